package dev.condense.models.distill;

import dev.condense.models.encoder.Batch;
import dev.condense.models.encoder.Encoder;
import dev.condense.models.encoder.ForwardPass;
import dev.condense.models.state.EncoderSpec;
import dev.condense.models.state.Tensor;
import dev.condense.models.state.TensorMap;
import dev.condense.models.train.CrossEntropy;
import dev.condense.models.train.Objective;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;

/**
 * The student's loss under a teacher that runs beside it in inference mode on the same batch: hard labels, the
 * teacher's softened logits and (optionally) CoFi's dynamically matched hidden states. The layer map W is a
 * trainable extra, starting at the identity.
 */
public final class DistillationObjective implements Objective {

    public static final String LAYER_MAP = "distill.layer-map";

    private final Encoder teacher;
    private final DistillSettings settings;

    public DistillationObjective(Encoder teacher, DistillSettings settings) {
        this.teacher = teacher;
        this.settings = settings;
        if (settings.matchesLayers()) {
            int last = settings.teacherLayers()[settings.teacherLayers().length - 1];
            if (settings.teacherLayers()[0] < 1 || last > teacher.spec().layers()) {
                throw new IllegalArgumentException("teacher layers must lie in [1, " + teacher.spec().layers() + "]");
            }
        }
    }

    /** The extras this objective trains: the identity layer map when layers are matched. */
    public static TensorMap initialExtras(EncoderSpec spec, DistillSettings settings) {
        TensorMap extras = new TensorMap();
        if (settings.matchesLayers()) {
            int h = spec.hidden();
            float[] identity = new float[h * h];
            for (int i = 0; i < h; i++) {
                identity[i * h + i] = 1f;
            }
            extras.put(LAYER_MAP, new Tensor(new long[] {h, h}, identity));
        }
        return extras;
    }

    @Override
    public StepLoss loss(ForwardPass student, Batch batch, Map<String, INDArray> extras) {
        ForwardPass t = teacher.infer(batch);
        double n = batch.size();
        CrossEntropy.Result ce = CrossEntropy.of(student.logits(), batch.labels(), settings.alpha() / n);
        KdLoss.Result kd = KdLoss.of(student.logits(), t.logits(), settings.temperature(), settings.beta() / n);
        double loss = settings.alpha() * ce.lossSum() + settings.beta() * kd.lossSum();
        INDArray dLogits = ce.dLogits().addi(kd.dStudent());
        if (!settings.matchesLayers()) {
            return new StepLoss(loss, dLogits, Map.of(), Map.of(), null);
        }
        INDArray tokenMask = Nd4j.create(batch.mask(), new long[] {batch.mask().length}, 'c');
        LayerMatcher.Result layers = LayerMatcher.match(student.hiddenStates(), t.hiddenStates(),
                settings.teacherLayers(), extras.get(LAYER_MAP), tokenMask, settings.gamma());
        loss += settings.gamma() * layers.loss() * n;
        return new StepLoss(loss, dLogits, layers.dStudentHidden(), Map.of(LAYER_MAP, layers.dMap()),
                layers.mapping());
    }
}
