package dev.condense.spark.run;

import dev.condense.models.state.TensorMap;
import dev.condense.models.train.LocalTrainer;
import dev.condense.spark.io.HadoopFiles;
import dev.condense.spark.run.RunLayout;
import org.apache.hadoop.conf.Configuration;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.TreeMap;

/**
 * The training loss of every optimizer step of a stage (the mean over both replicas' examples of that step), kept in
 * {@code <run>/<stage>-step-loss.tsv}: a round's mean hides what happens within it, such as a jump when pruning
 * starts. The file is rewritten atomically after each round and read back when a run resumes, so it covers the whole
 * run however often it was restarted; rows past the checkpoint it resumes from are dropped and recomputed.
 */
public final class StepLosses {

    private final Configuration conf;
    private final String path;
    private final TreeMap<Long, Double> losses = new TreeMap<>();

    public StepLosses(Configuration conf, RunLayout run, String stage) {
        this.conf = conf;
        this.path = run.stepLosses(stage);
        if (HadoopFiles.exists(conf, path)) {
            try {
                String text = new String(HadoopFiles.readAll(conf, path), StandardCharsets.UTF_8);
                text.lines().skip(1).map(l -> l.split("\t")).forEach(f ->
                        losses.put(Long.parseLong(f[0]), Double.parseDouble(f[1])));
            } catch (IOException | RuntimeException e) {
                losses.clear(); // an unreadable record of losses is not worth failing a run for
            }
        }
    }

    /**
     * Adds a round's per-step sums and writes the file.
     *
     * @param sums      the round's summed statistics ({@link LocalTrainer#STEP_LOSS}, {@link LocalTrainer#STEP_EXAMPLES})
     * @param lastStep  the optimizer step the round ended at
     */
    public void addRound(TensorMap sums, long lastStep) {
        if (!sums.contains(LocalTrainer.STEP_LOSS)) {
            return;
        }
        float[] loss = sums.get(LocalTrainer.STEP_LOSS).data();
        float[] examples = sums.get(LocalTrainer.STEP_EXAMPLES).data();
        long first = lastStep - loss.length + 1;
        losses.tailMap(first, true).clear();
        for (int i = 0; i < loss.length; i++) {
            if (examples[i] > 0) {
                losses.put(first + i, (double) loss[i] / examples[i]);
            }
        }
        StringBuilder tsv = new StringBuilder("step\tloss\n");
        losses.forEach((step, l) -> tsv.append(step).append('\t').append(String.format(Locale.ROOT, "%.5f", l))
                .append('\n'));
        try {
            HadoopFiles.writeAtomically(conf, path, tsv.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path, e);
        }
    }
}
