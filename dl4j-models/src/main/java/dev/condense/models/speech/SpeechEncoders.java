package dev.condense.models.speech;

import dev.condense.models.state.EncoderSpec;
import dev.condense.models.state.ModelState;
import dev.condense.models.state.ParameterNames;
import dev.condense.models.state.Tensor;
import dev.condense.models.state.TensorMap;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Speech encoders trained from scratch: there is no pretrained speech model on the classpath, so a speech teacher
 * starts from these weights. The transformer follows BERT's initialisation (matrices and position embeddings
 * N(0, 0.02²), biases 0, LayerNorm scales 1); the convolutions, which feed GELUs from unit-variance features, get
 * He's N(0, 2/fan-in) so the front end neither vanishes nor saturates.
 */
public final class SpeechEncoders {

    private static final double TRANSFORMER_STD = 0.02;

    private SpeechEncoders() {
    }

    /** Fresh weights for a speech spec, the same for the same seed. */
    public static ModelState initial(EncoderSpec spec, long seed) {
        if (!spec.isSpeech()) {
            throw new IllegalArgumentException("not a speech model spec");
        }
        SplittableRandom random = new SplittableRandom(seed);
        TensorMap weights = new TensorMap();
        for (ParameterNames.Shaped s : ParameterNames.all(spec)) {
            Tensor t = Tensor.zeros(s.shape());
            String name = s.name();
            if (name.endsWith(".gamma")) {
                Arrays.fill(t.data(), 1f);
            } else if (!name.endsWith(".bias") && !name.endsWith(".beta")) {
                double std = name.startsWith("frontend.") ? Math.sqrt(2.0 / s.shape()[0]) : TRANSFORMER_STD;
                for (int i = 0; i < t.data().length; i++) {
                    t.data()[i] = (float) (random.nextGaussian() * std);
                }
            }
            weights.put(name, t);
        }
        return new ModelState(spec, weights);
    }
}
