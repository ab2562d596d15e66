package dev.condense.models.encoder;

import dev.condense.models.nn.StepWorkspace;
import dev.condense.models.state.EncoderSpec;
import dev.condense.models.state.NdArrays;
import dev.condense.models.state.TensorMap;
import dev.condense.models.train.CrossEntropy;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The engine's passes inside a step arena, with per-layer scratch arenas nested in it: gradients and outputs are the
 * ones computed without any arena, gradient buffers are cleared between steps, and a pass from {@code infer} gives
 * {@code forward}'s outputs but cannot be differentiated.
 */
class StepArenaTest {

    private static final List<ModelCase> CASES = List.of(
            new ModelCase("dense", TinyEncoders.spec()),
            new ModelCase("shrunk and factorised", TinyEncoders.shrunkSpec()),
            new ModelCase("sparse residuals", TinyEncoders.residualSpec()));

    private record ModelCase(String name, EncoderSpec spec) {
    }

    @Test
    void gradientsInsideAStepArenaAreTheGradientsWithoutOne() {
        for (ModelCase c : CASES) {
            TransformerEncoder enc = TransformerEncoder.of(TinyEncoders.randomState(c.spec(), 11), DataType.FLOAT,
                    Set.of());
            TensorMap outside = gradients(enc);
            TensorMap firstStep;
            TensorMap secondStep;
            try (MemoryWorkspace ws = StepWorkspace.open("test-step")) {
                firstStep = gradients(enc);
            }
            try (MemoryWorkspace ws = StepWorkspace.open("test-step")) {
                secondStep = gradients(enc);
            }
            for (String name : outside.names()) {
                assertArrayEquals(outside.get(name).data(), firstStep.get(name).data(), c.name() + ": " + name);
                // the buffers are reused: a second step that did not clear them would report twice the gradient
                assertArrayEquals(outside.get(name).data(), secondStep.get(name).data(), c.name() + ": " + name);
            }
        }
    }

    @Test
    void inferGivesForwardsOutputsAndCannotBeDifferentiated() {
        TransformerEncoder enc = TransformerEncoder.of(TinyEncoders.randomState(TinyEncoders.spec(), 12),
                DataType.FLOAT, Set.of());
        Batch batch = TinyEncoders.batch();
        try (MemoryWorkspace ws = StepWorkspace.open("test-step")) {
            ForwardPass full = enc.forward(batch);
            ForwardPass inferred = enc.infer(batch);
            assertEquals(full.logits(), inferred.logits());
            assertEquals(full.pooled(), inferred.pooled());
            assertEquals(full.hiddenStates().size(), inferred.hiddenStates().size());
            for (int i = 0; i < full.hiddenStates().size(); i++) {
                assertEquals(full.hiddenStates().get(i), inferred.hiddenStates().get(i), "hidden state " + i);
            }
            INDArray dLogits = CrossEntropy.of(inferred.logits(), batch.labels(), 1.0).dLogits();
            assertThrows(IllegalArgumentException.class, () -> enc.backward(inferred, dLogits, Map.of()));
        }
    }

    /** One pass's gradients, copied out of whatever arena they were computed in. */
    private static TensorMap gradients(TransformerEncoder enc) {
        Batch batch = TinyEncoders.batch();
        ForwardPass pass = enc.forward(batch);
        INDArray dLogits = CrossEntropy.of(pass.logits(), batch.labels(), 1.0).dLogits();
        INDArray dLast = pass.hiddenStates().get(1).mul(0.1);
        TensorMap out = new TensorMap();
        enc.backward(pass, dLogits, Map.of(1, dLast)).forEach((name, g) -> out.put(name, NdArrays.toTensor(g)));
        return out;
    }
}
