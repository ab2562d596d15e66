package dev.condense.models.shrink;

import dev.condense.models.state.EncoderSpec;
import dev.condense.models.state.ModelState;
import dev.condense.models.state.ParameterNames;
import dev.condense.models.state.Tensor;

import java.util.List;

/**
 * Parameter counts read from a model's stored tensors, so that a report counts what was saved, not what a setting
 * asked for. "Encoder matrices" are the six projections per layer: a factorised one counts its two factors.
 *
 * @param encoderMatrixValues   values stored for the encoder matrices (dense in·out, or rank·(in + out))
 * @param encoderMatrixNonZeros the non-zero ones among them (what unstructured sparsity reduces)
 * @param total                 every stored weight, embeddings and classifier included
 */
public record ParameterCount(long encoderMatrixValues, long encoderMatrixNonZeros, long total) {

    public static ParameterCount of(ModelState model) {
        EncoderSpec spec = model.spec();
        long values = 0;
        long nonZeros = 0;
        for (ParameterNames.Shaped m : ParameterNames.encoderMatrices(spec)) {
            List<Integer> residualRows = spec.residualRows(m.name());
            String[] stored = spec.rank(m.name()) == 0 ? new String[] {m.name()}
                    : residualRows == null
                    ? new String[] {ParameterNames.factorU(m.name()), ParameterNames.factorV(m.name())}
                    : new String[] {ParameterNames.factorU(m.name()), ParameterNames.factorV(m.name()), m.name()};
            if (residualRows != null && !spec.residualKeepsEveryRow(m.name())) {
                values += residualRows.size();
                nonZeros += residualRows.size();
            }
            for (String name : stored) {
                Tensor t = model.weights().get(name);
                values += t.size();
                for (float v : t.data()) {
                    nonZeros += v != 0 ? 1 : 0;
                }
            }
        }
        long total = 0;
        for (ParameterNames.Shaped s : ParameterNames.all(spec)) {
            total += model.weights().get(s.name()).size();
        }
        return new ParameterCount(values, nonZeros, total);
    }
}
