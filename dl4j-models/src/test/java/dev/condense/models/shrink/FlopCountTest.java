package dev.condense.models.shrink;

import dev.condense.models.encoder.TinyEncoders;
import dev.condense.models.factor.Factoriser;
import dev.condense.models.state.ModelState;
import dev.condense.models.state.ParameterNames;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class FlopCountTest {

    /** The tiny layout (hidden 8, 2 heads of 4, FFN 12, 2 layers, 3 labels) worked by hand at length 5. */
    @Test
    void aDenseModelCountsItsProjectionsAttentionAndClassifier() {
        FlopCount f = FlopCount.of(TinyEncoders.randomState(TinyEncoders.spec(), 1), 5);
        double perLayerToken = 2.0 * (4 * 8 * 8 + 2 * 8 * 12);
        assertEquals(2 * perLayerToken * 5, f.projections(), 0.0);
        assertEquals(2 * 4.0 * 5 * 8 * 5, f.attention(), 0.0);
        assertEquals(f.projections() + f.attention() + 2.0 * 8 * 3, f.total(), 0.0);
        assertThrows(IllegalArgumentException.class, () -> FlopCount.of(TinyEncoders.randomState(
                TinyEncoders.spec(), 1), 0));
    }

    /** Factors cost rank·(in + out) per token and a residual its kept rows: what the engine multiplies. */
    @Test
    void factorsAndResidualsCountWhatIsStored() {
        ModelState dense = TinyEncoders.randomState(TinyEncoders.spec(), 2);
        String ffnIn = ParameterNames.ffnIn(0, "weight");
        ModelState factorised = Factoriser.factorise(dense, Map.of(ffnIn, 3));
        assertEquals(FlopCount.of(dense, 4).projections() - 4 * 2.0 * (8 * 12 - 3 * (8 + 12)),
                FlopCount.of(factorised, 4).projections(), 1e-9);
        ModelState residual = TinyEncoders.randomState(TinyEncoders.residualSpec(), 3);
        double expected = 0;
        expected += 2.0 * (8 * 8 * 3 + 8 * 12) + 2.0 * (2 * 16 + 3 * 8) + 2.0 * (3 * 20 + 12 * 8);
        expected += 2.0 * (8 * 8 * 3 + 12 * 8) + 2.0 * (2 * 16) + 2.0 * (2 * 20 + 8 * 12);
        assertEquals(expected * 4, FlopCount.of(residual, 4).projections(), 1e-9);
    }
}
