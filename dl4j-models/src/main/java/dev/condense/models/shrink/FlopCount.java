package dev.condense.models.shrink;

import dev.condense.models.state.EncoderSpec;
import dev.condense.models.state.ModelState;
import dev.condense.models.state.ParameterNames;

import java.util.List;

/**
 * The floating-point operations of one forward pass over a sequence of {@code length} tokens, read from a model's
 * stored shapes, so that a report counts what the saved model computes. Only the matrix products are counted (a
 * multiply-add is 2 FLOPs), which is where a transformer's work is: per token 2·in·out for a dense projection,
 * 2·rank·(in + out) for a factorised one, 2·rows·out for a sparse residual's kept rows; per layer 4·length·width
 * per token for attention's scores and weighted sum; 2·hidden·labels for the classifier. Element-wise work
 * (LayerNorm, GELU, softmax) and the embedding gather are left out.
 *
 * @param projections the encoder projections' share
 * @param attention   the attention scores and weighted sums
 * @param total       projections, attention and the classifier
 */
public record FlopCount(double projections, double attention, double total) {

    public static FlopCount of(ModelState model, int length) {
        if (length < 1) {
            throw new IllegalArgumentException("sequence length must be >= 1, got " + length);
        }
        EncoderSpec spec = model.spec();
        double perToken = 0;
        for (ParameterNames.Shaped m : ParameterNames.encoderMatrices(spec)) {
            String name = m.name();
            if (spec.rank(name) == 0) {
                perToken += 2.0 * m.shape()[0] * m.shape()[1];
                continue;
            }
            perToken += 2.0 * spec.rank(name) * (m.shape()[0] + m.shape()[1]);
            List<Integer> rows = spec.residualRows(name);
            if (rows != null) {
                perToken += 2.0 * rows.size() * m.shape()[1];
            }
        }
        double attentionPerToken = 0;
        for (int l = 0; l < spec.layers(); l++) {
            attentionPerToken += 4.0 * length * spec.attentionWidth(l);
        }
        double projections = perToken * length;
        double attention = attentionPerToken * length;
        double classifier = 2.0 * spec.hidden() * spec.numLabels();
        return new FlopCount(projections, attention, projections + attention + classifier);
    }
}
