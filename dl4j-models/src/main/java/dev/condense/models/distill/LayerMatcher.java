package dev.condense.models.distill;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * CoFi's dynamic layer distillation (Xia et al., 2022): every step, each chosen teacher layer is matched to the
 * student layer whose hidden state, after a learned linear map W, is closest in mean squared error over real
 * tokens; matches keep the layers' order (teacher layer i+1 maps strictly after teacher layer i). The layer loss
 * is the sum of the matched MSEs. As student layers are pruned away, the matching follows where the teacher's
 * information actually went instead of a fixed layer-to-layer map.
 */
public final class LayerMatcher {

    private LayerMatcher() {
    }

    /**
     * @param mapping        mapping[i] = student hidden-state index matched to teacherLayers[i]
     * @param dStudentHidden gradient for each matched student hidden state
     * @param dMap           gradient of the linear map
     */
    public record Result(double loss, int[] mapping, Map<Integer, INDArray> dStudentHidden, INDArray dMap) {
    }

    /**
     * @param student       hidden states, index 0 = embeddings, l = output of layer l (only l ≥ 1 are candidates)
     * @param teacher       the teacher's hidden states, same indexing
     * @param teacherLayers teacher hidden-state indices to match, increasing
     * @param map           W, [hidden, hidden], applied as h_student·W
     * @param tokenMask     1 for real tokens, 0 for padding, one per row of a hidden state
     * @param scale         multiplies the loss's gradients (the layer-loss weight)
     */
    public static Result match(List<INDArray> student, List<INDArray> teacher, int[] teacherLayers, INDArray map,
                               INDArray tokenMask, double scale) {
        int studentLayers = student.size() - 1;
        if (teacherLayers.length > studentLayers) {
            throw new IllegalArgumentException(teacherLayers.length + " teacher layers cannot map in order onto "
                    + studentLayers + " student layers");
        }
        INDArray rowMask = tokenMask.reshape(tokenMask.length(), 1).castTo(map.dataType());
        double count = rowMask.sumNumber().doubleValue() * map.size(1);
        INDArray[] projected = new INDArray[studentLayers + 1];
        for (int j = 1; j <= studentLayers; j++) {
            projected[j] = Nd4j.gemm(student.get(j), map, false, false);
        }
        int[] mapping = new int[teacherLayers.length];
        Map<Integer, INDArray> dHidden = new HashMap<>();
        INDArray dMap = map.ulike().assign(0);
        double loss = 0;
        int previous = 0;
        for (int i = 0; i < teacherLayers.length; i++) {
            INDArray target = teacher.get(teacherLayers[i]);
            int last = studentLayers - (teacherLayers.length - 1 - i);
            int best = -1;
            double bestMse = Double.POSITIVE_INFINITY;
            INDArray bestDiff = null;
            for (int j = previous + 1; j <= last; j++) {
                INDArray diff = projected[j].sub(target).muliColumnVector(rowMask);
                double mse = diff.norm2Number().doubleValue();
                mse = mse * mse / count;
                if (mse < bestMse) {
                    bestMse = mse;
                    best = j;
                    bestDiff = diff;
                }
            }
            mapping[i] = best;
            previous = best;
            loss += bestMse;
            INDArray dProjected = bestDiff.muli(2.0 * scale / count);
            INDArray dh = Nd4j.gemm(dProjected, map, false, true);
            dHidden.merge(best, dh, INDArray::addi);
            Nd4j.gemm(student.get(best), dProjected, dMap, true, false, 1.0, 1.0);
        }
        return new Result(loss, mapping, dHidden, dMap);
    }
}
