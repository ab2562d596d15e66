package dev.condense.models.train;

import dev.condense.models.encoder.ForwardPass;
import dev.condense.models.encoder.TransformerEncoder;
import dev.condense.models.state.TensorMap;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.Serializable;
import java.util.Map;

/**
 * What a compression method adds to each training step without owning the loop (pruning statistics, learned
 * movement scores, rank gates): {@link LocalTrainer} calls every hook's session at fixed points of every step, in
 * the order the hooks were given. A hook is settings only and travels to the executors; its session is a replica's
 * working state for one round.
 */
public interface StepHook extends Serializable {

    /** A replica's session for the round that starts at {@code state}, on the replica's engine. */
    Session start(TrainingState state, TransformerEncoder encoder);

    /** The step in progress: the engine, the replica's trainable extras, the optimizer step (from 1), the batch. */
    record Step(TransformerEncoder encoder, Map<String, INDArray> extras, long number, int batchSize) {
    }

    interface Session {

        /**
         * Weights the optimizer updates in place of the engine's own, by name (e.g. the dense copies behind masked
         * weights, which the engine only sees multiplied by their masks). Asked once, before the first step.
         */
        default Map<String, INDArray> optimizedWeights() {
            return Map.of();
        }

        /** Before the forward pass (choose masks, sample gates). */
        default void beforeForward(Step step) {
        }

        /** After the forward pass, before the loss. */
        default void afterForward(ForwardPass pass) {
        }

        /**
         * After the backward pass, before the optimizer: {@code grads} holds the gradient of every trainable tensor
         * by name, with respect to what the forward pass used; a hook may add, replace or mask entries.
         */
        default void afterBackward(Step step, Map<String, INDArray> grads) {
        }

        /**
         * After the round's last step: writes the values the replica returns in place of the engine's
         * ({@code model}) and quantities to be summed over replicas ({@code sums}).
         */
        default void finish(TensorMap model, TensorMap sums) {
        }
    }
}
