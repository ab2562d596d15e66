package dev.condense.spark.pipeline;

import dev.condense.models.encoder.Encoder;
import dev.condense.models.encoder.TinyEncoders;
import dev.condense.spark.SparkTestSession;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

/** Every task of a JVM distils from one teacher engine per broadcast, built on first use. */
class SharedTeacherTest {

    private static JavaSparkContext sc;

    @BeforeAll
    static void spark() {
        sc = SparkTestSession.start();
    }

    @Test
    void tasksOfOneJvmShareTheTeacherOfABroadcastAndANewBroadcastReplacesIt() {
        byte[] model = TinyEncoders.randomState(TinyEncoders.spec(), 3).toBytes();
        Broadcast<byte[]> first = sc.broadcast(model);
        List<Integer> identities = sc.parallelize(List.of(1, 2, 3, 4), 4)
                .map(i -> System.identityHashCode(SharedTeacher.of(first))).collect();
        assertEquals(1, identities.stream().distinct().count(), "four tasks, one engine: " + identities);
        Encoder engine = SharedTeacher.of(first);
        assertSame(engine, SharedTeacher.of(first));

        Broadcast<byte[]> second = sc.broadcast(model);
        assertNotSame(engine, SharedTeacher.of(second));
        first.destroy();
        second.destroy();
    }
}
