package dev.condense.spark.pipeline;

import dev.condense.models.state.Tensor;
import dev.condense.models.state.TensorMap;
import dev.condense.models.train.LocalTrainer;

/** Renders a round's summed layer-match counts as the most frequent mapping, e.g. "2→1 4→3 6→6 (87%)". */
final class LayerMapping {

    private LayerMapping() {
    }

    static String describe(TensorMap sums, int[] teacherLayers) {
        if (!sums.contains(LocalTrainer.LAYER_MAPPING_COUNTS)) {
            return "";
        }
        Tensor counts = sums.get(LocalTrainer.LAYER_MAPPING_COUNTS);
        int width = (int) counts.shape()[1];
        StringBuilder out = new StringBuilder();
        double agree = 0;
        double total = 0;
        for (int i = 0; i < teacherLayers.length; i++) {
            int best = 0;
            double rowTotal = 0;
            for (int j = 0; j < width; j++) {
                float c = counts.data()[i * width + j];
                rowTotal += c;
                if (c > counts.data()[i * width + best]) {
                    best = j;
                }
            }
            agree += counts.data()[i * width + best];
            total += rowTotal;
            out.append(i == 0 ? "" : " ").append(teacherLayers[i]).append("→").append(best);
        }
        return out.append(String.format(" (%.0f%% of steps)", 100 * agree / Math.max(1, total))).toString();
    }
}
