package dev.condense.spark.pipeline;

import dev.condense.models.encoder.Example;
import dev.condense.spark.data.DataDigest;
import dev.condense.spark.data.DataSource;
import dev.condense.spark.data.ShardedExamples;
import dev.condense.spark.io.DataException;
import dev.condense.spark.settings.CondenseSettings;
import dev.condense.spark.task.JobDescription;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * The data of a run: read and validated, optionally sampled, tokenized or featurised on executors, sharded and
 * cached.
 */
final class TaskShards {

    private TaskShards() {
    }

    /** Cached shards, their size and their digest (see {@link DataDigest}). */
    record Shards(JavaRDD<Example> examples, DataDigest digest) {
        long count() {
            return digest.count();
        }
    }

    static Shards train(JavaSparkContext sc, CondenseSettings s, DataSource source) {
        return shard(sc, s, source, s.data().trainLimit(), "train");
    }

    /** The digest of the training examples {@link #train} shards, without keeping them. */
    static DataDigest trainDigest(JavaSparkContext sc, CondenseSettings s, DataSource source) {
        Shards shards = train(sc, s, source);
        shards.examples().unpersist();
        return shards.digest();
    }

    static Shards dev(JavaSparkContext sc, CondenseSettings s, DataSource source) {
        return shard(sc, s, source, 0, "dev");
    }

    private static Shards shard(JavaSparkContext sc, CondenseSettings s, DataSource source, int limit, String name) {
        try (JobDescription named = JobDescription.set(sc, "data: read and shard " + name)) {
            JavaRDD<Example> examples = ShardedExamples.shard(source.examples(sc, s, limit), s.spark().partitions(),
                    s.finetune().seed()).setName(name + " examples");
            DataDigest digest;
            try {
                digest = DataDigest.of(examples);
            } catch (Exception e) { // a SparkException is checked, yet Spark throws it without declaring it
                throw dataProblem(e);
            }
            return new Shards(examples, digest);
        }
    }

    /**
     * A {@link DataException} thrown on an executor (a clip that does not decode) reaches the driver wrapped in a
     * {@link SparkException}; it is unwrapped so the user sees the file and the reason, not a stage failure.
     */
    private static RuntimeException dataProblem(Exception e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof DataException data) {
                return new DataException(data.getMessage(), e);
            }
        }
        return e instanceof RuntimeException r ? r : new IllegalStateException("reading the data failed", e);
    }
}
