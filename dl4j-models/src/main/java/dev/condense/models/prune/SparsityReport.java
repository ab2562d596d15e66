package dev.condense.models.prune;

import dev.condense.models.state.ParameterNames;
import dev.condense.models.state.Tensor;
import dev.condense.models.state.TensorMap;

import java.util.LinkedHashMap;
import java.util.Map;

/** Sparsity per encoder matrix and overall, and parameter counts, read from the effective (masked) weights. */
public final class SparsityReport {

    private SparsityReport() {
    }

    public record Result(Map<String, Double> perMatrix, long encoderMatrixParameters, long encoderMatrixNonZero,
                         long totalParameters, long totalNonZero) {
        public double encoderSparsity() {
            return 1.0 - (double) encoderMatrixNonZero / encoderMatrixParameters;
        }
    }

    public static Result of(TensorMap effectiveWeights) {
        Map<String, Double> perMatrix = new LinkedHashMap<>();
        long encoder = 0;
        long encoderNonZero = 0;
        long total = 0;
        long totalNonZero = 0;
        for (Map.Entry<String, Tensor> e : effectiveWeights.asMap().entrySet()) {
            if (e.getKey().equals(ParameterNames.HIDDEN_KEEP)) {
                continue; // a mask stored with the model, not a parameter
            }
            long nonZero = 0;
            for (float v : e.getValue().data()) {
                if (v != 0f) {
                    nonZero++;
                }
            }
            total += e.getValue().size();
            totalNonZero += nonZero;
            boolean encoderMatrix = MatrixKind.ofWeight(e.getKey()).filter(MatrixKind::isEncoderMatrix).isPresent();
            if (encoderMatrix) {
                encoder += e.getValue().size();
                encoderNonZero += nonZero;
                perMatrix.put(e.getKey(), 1.0 - (double) nonZero / e.getValue().size());
            }
        }
        return new Result(perMatrix, encoder, encoderNonZero, total, totalNonZero);
    }

}
