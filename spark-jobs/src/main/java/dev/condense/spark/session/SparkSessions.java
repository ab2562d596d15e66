package dev.condense.spark.session;

import dev.condense.spark.settings.CondenseSettings;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.sql.SparkSession;

/**
 * The Spark configuration every Condense job needs: Kryo with every shipped class registered, room for
 * broadcast and aggregated model states (hundreds of MB), and one ND4J thread per task on executors. Values that a
 * launcher or {@code spark-submit} already set are kept.
 */
public final class SparkSessions {

    private SparkSessions() {
    }

    public static SparkConf conf(CondenseSettings.SparkSettings spark) {
        SparkConf conf = new SparkConf()
                .setIfMissing("spark.master", spark.master())
                .setIfMissing("spark.app.name", spark.appName())
                .set("spark.serializer", KryoSerializer.class.getName())
                .set("spark.kryo.registrationRequired", "true")
                .set("spark.kryo.registrator", CondenseKryoRegistrator.class.getName())
                .setIfMissing("spark.kryoserializer.buffer.max", "1024m")
                .setIfMissing("spark.driver.maxResultSize", "4g")
                .setIfMissing("spark.rpc.message.maxSize", "1024")
                .setIfMissing("spark.ui.showConsoleProgress", "false")
                // a round's broadcast state and its result pieces are float tensors, which LZ4 barely shrinks, and
                // compressing them was CPU time every round waited for (docs/BENCHMARKS.md, #21); in local mode a
                // broadcast's compressed pieces are not even read
                .setIfMissing("spark.broadcast.compress", "false")
                .setIfMissing("spark.shuffle.compress", "false");
        if (spark.threadsPerTask() > 0) {
            conf.setIfMissing("spark.executorEnv.OMP_NUM_THREADS", Integer.toString(spark.threadsPerTask()));
            conf.setIfMissing("spark.executorEnv.OMP_WAIT_POLICY", "PASSIVE");
        }
        // executors in JVMs of their own load OpenBLAS with these kernels: its SkylakeX ones get double SVDs wrong
        conf.setIfMissing("spark.executorEnv.OPENBLAS_CORETYPE", "Haswell");
        // and keep glibc's per-thread malloc arenas from holding ~1 GB of freed native memory (deploy/condense says more)
        conf.setIfMissing("spark.executorEnv.MALLOC_ARENA_MAX", "2");
        return conf;
    }

    public static SparkSession create(CondenseSettings.SparkSettings spark) {
        return SparkSession.builder().config(conf(spark)).getOrCreate();
    }
}
