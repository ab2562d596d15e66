package dev.condense.models.eval;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * How well a CTC model transcribes a data set: corpus word and character error rates of its greedy transcripts, its
 * mean CTC loss, and a few reference/hypothesis pairs to read. Shards' metrics {@link #merge} into the whole set's.
 *
 * @param lossSum CTC negative log-likelihoods summed over the utterances
 * @param samples up to {@link #SAMPLES} pairs, the first by reference text, so the choice does not depend on
 *                sharding
 */
public record TranscriptionMetrics(long utterances, double lossSum, ErrorRate words, ErrorRate characters,
                                   List<Sample> samples) implements Serializable {

    public static final int SAMPLES = 5;

    /** One utterance's reference and what the model wrote. */
    public record Sample(String reference, String hypothesis) implements Serializable {
    }

    public TranscriptionMetrics {
        samples = List.copyOf(samples);
    }

    public static TranscriptionMetrics none() {
        return new TranscriptionMetrics(0, 0, ErrorRate.none(), ErrorRate.none(), List.of());
    }

    /** This plus one utterance's transcript. */
    public TranscriptionMetrics plus(String reference, String hypothesis) {
        return new TranscriptionMetrics(utterances + 1, lossSum, words.plusWords(reference, hypothesis),
                characters.plusCharacters(reference, hypothesis),
                firstSamples(samples, List.of(new Sample(reference, hypothesis))));
    }

    /** This plus the CTC loss of utterances already counted. */
    public TranscriptionMetrics plusLoss(double loss) {
        return new TranscriptionMetrics(utterances, lossSum + loss, words, characters, samples);
    }

    public TranscriptionMetrics merge(TranscriptionMetrics other) {
        return new TranscriptionMetrics(utterances + other.utterances, lossSum + other.lossSum,
                words.plus(other.words), characters.plus(other.characters), firstSamples(samples, other.samples));
    }

    public double wordErrorRate() {
        return words.rate();
    }

    public double characterErrorRate() {
        return characters.rate();
    }

    public double meanLoss() {
        return utterances == 0 ? 0 : lossSum / utterances;
    }

    private static List<Sample> firstSamples(List<Sample> a, List<Sample> b) {
        List<Sample> all = new ArrayList<>(a);
        all.addAll(b);
        all.sort(Comparator.comparing(Sample::reference).thenComparing(Sample::hypothesis));
        return all.subList(0, Math.min(SAMPLES, all.size()));
    }
}
