package dev.condense.spark.session;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.serializers.JavaSerializer;
import dev.condense.models.encoder.Example;
import dev.condense.models.encoder.ModelInput;
import dev.condense.models.eval.ClassificationMetrics;
import dev.condense.models.eval.ErrorRate;
import dev.condense.models.eval.TranscriptionMetrics;
import dev.condense.models.factor.InputMoments;
import dev.condense.models.speech.Utterance;
import dev.condense.models.text.Encoding;
import dev.condense.spark.data.Clip;
import dev.condense.spark.train.RoundAverage;
import dev.condense.spark.train.RoundStart;
import org.apache.spark.serializer.KryoRegistrator;

import java.util.ArrayList;
import java.util.List;

/**
 * Registers every class Condense ships between JVMs ({@code spark.kryo.registrationRequired=true}), with explicit
 * serializers for records (Kryo 4 cannot set a record's final fields) and for the large float payloads.
 * No INDArray is ever shipped: nd4j-kryo is broken in M2.1, and plain arrays are smaller.
 */
public final class CondenseKryoRegistrator implements KryoRegistrator {

    @Override
    public void registerClasses(Kryo kryo) {
        kryo.register(Example.class, new ExampleSerializer());
        kryo.register(Clip.class, new ClipSerializer());
        kryo.register(RoundAverage.class, new RoundAverage.KryoSerializer());
        kryo.register(RoundStart.class, new RoundStart.KryoSerializer());
        kryo.register(ClassificationMetrics.class, new MetricsSerializer());
        kryo.register(TranscriptionMetrics.class, new TranscriptionMetricsSerializer());
        kryo.register(dev.condense.spark.data.RowErrors.class);
        // one per task and stage run, a few megabytes of float arrays: Java's own form is as compact
        kryo.register(InputMoments.class, new JavaSerializer());
        kryo.register(byte[].class);
        kryo.register(int[].class);
        kryo.register(long[].class);
        kryo.register(long[][].class);
        kryo.register(float[].class);
        kryo.register(double[].class);
        kryo.register(Object[].class);
        kryo.register(java.lang.Long[].class);
        kryo.register(scala.Tuple2.class);
        kryo.register(scala.Tuple2[].class);
    }

    /** An example with its word pieces (kind 0) or its utterance's frames and transcript (kind 1). */
    static final class ExampleSerializer extends Serializer<Example> {
        private static final int TEXT = 0;
        private static final int SPEECH = 1;

        @Override
        public void write(Kryo kryo, Output out, Example e) {
            out.writeLong(e.id());
            out.writeInt(e.label(), true);
            ModelInput input = e.input();
            if (input instanceof Encoding text) {
                out.writeByte(TEXT);
                out.writeInt(text.ids().length, true);
                out.writeInts(text.ids(), true);
                out.writeInts(text.typeIds(), true);
            } else if (input instanceof Utterance speech) {
                out.writeByte(SPEECH);
                out.writeInt(speech.features(), true);
                out.writeInt(speech.frames().length, true);
                out.writeFloats(speech.frames());
                out.writeInt(speech.transcript().length, true);
                out.writeInts(speech.transcript(), true);
            } else {
                throw new IllegalArgumentException("no Kryo form for input " + input.getClass().getName());
            }
        }

        @Override
        public Example read(Kryo kryo, Input in, Class<Example> type) {
            long id = in.readLong();
            int label = in.readInt(true);
            if (in.readByte() == TEXT) {
                int n = in.readInt(true);
                int[] ids = in.readInts(n, true);
                int[] types = in.readInts(n, true);
                return new Example(id, new Encoding(ids, types), label);
            }
            int features = in.readInt(true);
            float[] frames = in.readFloats(in.readInt(true));
            int[] transcript = in.readInts(in.readInt(true), true);
            return new Example(id, new Utterance(frames, features, transcript), label);
        }
    }

    static final class ClipSerializer extends Serializer<Clip> {
        @Override
        public void write(Kryo kryo, Output out, Clip c) {
            out.writeString(c.path());
            out.writeLong(c.id());
            out.writeInt(c.label(), true);
            out.writeInt(c.transcript().length, true);
            out.writeInts(c.transcript(), true);
        }

        @Override
        public Clip read(Kryo kryo, Input in, Class<Clip> type) {
            String path = in.readString();
            long id = in.readLong();
            int label = in.readInt(true);
            return new Clip(path, id, label, in.readInts(in.readInt(true), true));
        }
    }

    static final class MetricsSerializer extends Serializer<ClassificationMetrics> {
        @Override
        public void write(Kryo kryo, Output out, ClassificationMetrics m) {
            long[][] c = m.confusion();
            out.writeInt(c.length, true);
            for (long[] row : c) {
                out.writeLongs(row, true);
            }
            out.writeDouble(m.lossSum());
        }

        @Override
        public ClassificationMetrics read(Kryo kryo, Input in, Class<ClassificationMetrics> type) {
            int n = in.readInt(true);
            long[][] c = new long[n][];
            for (int i = 0; i < n; i++) {
                c[i] = in.readLongs(n, true);
            }
            return ClassificationMetrics.of(c, in.readDouble());
        }
    }

    static final class TranscriptionMetricsSerializer extends Serializer<TranscriptionMetrics> {
        @Override
        public void write(Kryo kryo, Output out, TranscriptionMetrics m) {
            out.writeLong(m.utterances(), true);
            out.writeDouble(m.lossSum());
            out.writeLongs(new long[] {m.words().errors(), m.words().references(), m.characters().errors(),
                    m.characters().references()}, true);
            out.writeInt(m.samples().size(), true);
            for (TranscriptionMetrics.Sample sample : m.samples()) {
                out.writeString(sample.reference());
                out.writeString(sample.hypothesis());
            }
        }

        @Override
        public TranscriptionMetrics read(Kryo kryo, Input in, Class<TranscriptionMetrics> type) {
            long utterances = in.readLong(true);
            double lossSum = in.readDouble();
            long[] rates = in.readLongs(4, true);
            List<TranscriptionMetrics.Sample> samples = new ArrayList<>();
            for (int i = in.readInt(true); i > 0; i--) {
                samples.add(new TranscriptionMetrics.Sample(in.readString(), in.readString()));
            }
            return new TranscriptionMetrics(utterances, lossSum, new ErrorRate(rates[0], rates[1]),
                    new ErrorRate(rates[2], rates[3]), samples);
        }
    }
}
