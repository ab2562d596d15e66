package dev.condense.models.distill;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Loss = α·CE(labels) + β·T²·KL(teacher ‖ student at temperature T) + γ·(CoFi layer loss over {@code teacherLayers}).
 *
 * @param teacherLayers teacher hidden-state indices (1 = output of the first layer) to match; empty for none
 */
public record DistillSettings(double alpha, double beta, double gamma, double temperature, int[] teacherLayers)
        implements Serializable {

    public DistillSettings {
        if (alpha < 0 || beta < 0 || gamma < 0 || alpha + beta + gamma == 0) {
            throw new IllegalArgumentException("loss weights must be >= 0 and not all 0");
        }
        if (!(temperature > 0)) {
            throw new IllegalArgumentException("temperature must be > 0, got " + temperature);
        }
        teacherLayers = teacherLayers.clone();
        for (int i = 1; i < teacherLayers.length; i++) {
            if (teacherLayers[i] <= teacherLayers[i - 1]) {
                throw new IllegalArgumentException("teacher layers must increase: " + Arrays.toString(teacherLayers));
            }
        }
    }

    public boolean matchesLayers() {
        return gamma > 0 && teacherLayers.length > 0;
    }
}
