package dev.condense.spark.data;

import dev.condense.models.encoder.Example;
import dev.condense.models.speech.Utterance;
import dev.condense.models.text.Encoding;
import org.apache.spark.api.java.JavaRDD;

import java.util.Arrays;

import static dev.condense.models.nn.SplitMix64.GOLDEN_GAMMA;
import static dev.condense.models.nn.SplitMix64.mix;

/**
 * What a data set holds, in one number: the count of its examples and an order-free digest of their ids, labels
 * and inputs (token ids, or audio features and transcripts), computed in the same pass that reads and checks them.
 *
 * <p>A run's checkpoints record the digest of the data they were trained on, so the same run id cannot silently
 * resume on other data: a notebook's second {@code fit} on another DataFrame, or a training file rewritten in place,
 * used to return the first fit's model.
 */
public record DataDigest(long count, long digest) {

    /** Reads the examples once: their count and digest. */
    public static DataDigest of(JavaRDD<Example> examples) {
        // partial results travel as long[] {count, digest}, a type Kryo already knows
        long[] total = examples.aggregate(new long[2], (acc, e) -> {
            acc[0]++;
            acc[1] += hash(e);
            return acc;
        }, (x, y) -> new long[] {x[0] + y[0], x[1] + y[1]});
        return new DataDigest(total[0], total[1]);
    }

    /** {@code <count>:<digest in hex>}, as recorded beside a stage's checkpoints. */
    @Override
    public String toString() {
        return count + ":" + Long.toHexString(digest);
    }

    static long hash(Example e) {
        long h = mix(e.id()) ^ mix(GOLDEN_GAMMA + e.label());
        if (e.input() instanceof Encoding text) {
            h = mix(h + Arrays.hashCode(text.ids()));
            h = mix(h + Arrays.hashCode(text.typeIds()));
        } else if (e.input() instanceof Utterance speech) {
            h = mix(h + Arrays.hashCode(speech.frames()));
            h = mix(h + Arrays.hashCode(speech.transcript()));
        } else {
            throw new IllegalArgumentException("no digest for " + e.input().getClass().getName());
        }
        return h;
    }
}
