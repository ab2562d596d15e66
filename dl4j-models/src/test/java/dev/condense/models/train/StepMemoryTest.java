package dev.condense.models.train;

import dev.condense.models.encoder.Batch;
import dev.condense.models.pretrained.MiniLm;
import dev.condense.models.state.ModelState;
import dev.condense.models.text.Encoding;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What one MiniLM training step at batch 32 × length 64 holds in its arena. The arena frees nothing until the step
 * ends, so every temporary of the backward pass used to stay: 1,640 MB. Per-layer scratch arenas, gradient buffers
 * outside the arena and GELU's Φ recomputed rather than kept bring it to about 650 MB; two replicas per executor
 * hold two such arenas, so this bounds what a worker needs.
 */
class StepMemoryTest {

    private static final double LIMIT_MB = 800;

    @Test
    void aMiniLmStepArenaHoldsTheActivationsNotEveryTemporary() throws Exception {
        ModelState model = MiniLm.classifier(2, 1);
        List<Encoding> rows = new ArrayList<>();
        int[] labels = new int[32];
        for (int i = 0; i < 32; i++) {
            int[] ids = new int[64];
            for (int t = 0; t < ids.length; t++) {
                ids[t] = 1000 + (i * 64 + t) * 7 % 20000;
            }
            rows.add(new Encoding(ids, new int[64]));
            labels[i] = i % 2;
        }
        Batch batch = Batch.of(rows, labels);
        OptimizerSettings settings = new OptimizerSettings(new LearningRateSchedule(1e-5, 0, 10), 0.9, 0.999, 1e-8,
                0.01, 1.0, Set.of());
        new LocalTrainer(settings).train(TrainingState.start(model, Set.of()), Collections.nCopies(2, batch)
                .iterator(), 2);
        MemoryWorkspace arena = Nd4j.getWorkspaceManager().getWorkspaceForCurrentThread(LocalTrainer.WORKSPACE);
        double mb = arena.getCurrentSize() / 1e6;
        assertTrue(mb < LIMIT_MB, String.format("the step arena holds %.0f MB (limit %.0f)", mb, LIMIT_MB));
    }
}
