package dev.condense.spark.pipeline;

import dev.condense.models.encoder.Encoder;
import dev.condense.models.encoder.TransformerEncoder;
import dev.condense.models.state.ModelState;
import org.apache.spark.broadcast.Broadcast;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.Set;

/**
 * The distillation teacher's engine, built once per executor JVM from its broadcast and shared by that JVM's tasks.
 * Each task of each round used to decode the broadcast and build an engine of its own (for MiniLM 91 MB on the heap
 * while decoding and 91 MB of native weights per task, freed only when collected), though a teacher only runs
 * {@code infer}, which reads its weights and keeps its activations in the calling thread's arenas. One teacher is
 * kept: a new broadcast (the next job's teacher) replaces it.
 */
final class SharedTeacher {

    private static long broadcastId = -1;
    private static Encoder engine;

    private SharedTeacher() {
    }

    static synchronized Encoder of(Broadcast<byte[]> teacherBytes) {
        if (engine == null || broadcastId != teacherBytes.id()) {
            engine = null;
            engine = TransformerEncoder.of(ModelState.fromBytes(teacherBytes.value()), DataType.FLOAT, Set.of());
            broadcastId = teacherBytes.id();
        }
        return engine;
    }
}
