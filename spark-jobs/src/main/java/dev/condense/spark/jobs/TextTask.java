package dev.condense.spark.jobs;

import dev.condense.models.encoder.Example;
import dev.condense.spark.data.LabeledRows;
import dev.condense.spark.data.LabeledText;
import dev.condense.spark.data.ShardedExamples;
import dev.condense.spark.data.TextSource;
import dev.condense.spark.settings.CondenseSettings;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;

/** The text data of a run: read, validated, optionally sampled, tokenized on executors, sharded and cached. */
final class TextTask {

    private TextTask() {
    }

    /** Cached shards and their size. */
    record Shards(JavaRDD<Example> examples, long count) {
    }

    static Shards train(JavaSparkContext sc, CondenseSettings s, TextSource source) {
        LabeledRows read = source.read(sc);
        JavaRDD<LabeledText> rows = read.rows();
        if (s.data().trainLimit() > 0 && s.data().trainLimit() < read.count()) {
            rows = ShardedExamples.sample(rows, s.data().trainLimit(), s.finetune().seed());
        }
        return shard(sc, s, rows, "train");
    }

    static Shards dev(JavaSparkContext sc, CondenseSettings s, TextSource source) {
        return shard(sc, s, source.read(sc).rows(), "dev");
    }

    private static Shards shard(JavaSparkContext sc, CondenseSettings s, JavaRDD<LabeledText> rows, String name) {
        sc.setJobDescription("data: tokenize and shard " + name);
        JavaRDD<Example> examples = ShardedExamples.tokenizeAndShard(rows, s.data().maxLength(),
                s.spark().partitions(), s.finetune().seed()).setName(name + " examples");
        long count = examples.count();
        sc.clearJobGroup();
        return new Shards(examples, count);
    }
}
