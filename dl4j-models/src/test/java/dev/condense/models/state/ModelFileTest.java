package dev.condense.models.state;

import dev.condense.models.encoder.TinyEncoders;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A saved model checks itself: checksum, lengths, finite weights; and it names its labels. */
class ModelFileTest {

    private static final ModelState MODEL = TinyEncoders.randomState(TinyEncoders.spec(), 5);
    private static final List<String> LABELS = List.of("neg", "pos", "mixed");

    @Test
    void roundTripsTheModelItsLabelsAndItsSettingsFingerprint() throws IOException {
        ModelFile read = ModelFile.parse(new ModelFile(MODEL, LABELS, "0123456789abcdef").toBytes());
        assertEquals(LABELS, read.labels());
        assertEquals("0123456789abcdef", read.settingsFingerprint());
        assertArrayEquals(MODEL.toBytes(), read.model().toBytes());
    }

    @Test
    void anyFlippedBitIsRefused() {
        byte[] file = new ModelFile(MODEL, LABELS, "").toBytes();
        for (int at : new int[] {40, file.length / 2, file.length - 1}) {
            byte[] flipped = file.clone();
            flipped[at] ^= 0x10;
            IOException e = assertThrows(IOException.class, () -> ModelFile.parse(flipped));
            assertTrue(e.getMessage().contains("checksum mismatch"), e.getMessage());
        }
        IOException cut = assertThrows(IOException.class,
                () -> ModelFile.parse(Arrays.copyOf(file, file.length - 100)));
        assertTrue(cut.getMessage().contains("truncated"), cut.getMessage());
    }

    @Test
    void nonFiniteWeightsAreRefusedByName() {
        ModelState broken = MODEL.copy();
        broken.weights().get("classifier.bias").data()[1] = Float.NaN;
        IOException e = assertThrows(IOException.class,
                () -> ModelFile.parse(new ModelFile(broken, LABELS, "").toBytes()));
        assertTrue(e.getMessage().contains("'classifier.bias' holds NaN"), e.getMessage());
        // a bare model state (written before the envelope) is checked the same way
        assertThrows(IOException.class, () -> ModelFile.parse(broken.toBytes()));
    }

    @Test
    void aFileFromBeforeTheEnvelopeIsReadWithoutLabels() throws IOException {
        ModelFile legacy = ModelFile.parse(MODEL.toBytes());
        assertFalse(legacy.hasLabels());
        assertArrayEquals(MODEL.toBytes(), legacy.model().toBytes());
    }

    @Test
    void labelNamesMustMatchTheOutputs() {
        assertThrows(IllegalArgumentException.class, () -> new ModelFile(MODEL, List.of("a", "b"), ""));
    }

    /** A crafted file declaring 500 M floats used to allocate 2 GB before failing; now nothing is allocated. */
    @Test
    void aDeclaredSizeBeyondTheBytesLeftIsRefusedBeforeAllocating() throws IOException {
        IOException huge = assertThrows(IOException.class, () -> TensorMap.readFrom(tensorHeader(500_000_000L, 1)));
        assertTrue(huge.getMessage().contains("declares 500000000 values"), huge.getMessage());
        IOException negative = assertThrows(IOException.class, () -> TensorMap.readFrom(tensorHeader(-4, -4)));
        assertTrue(negative.getMessage().contains("dimension -4"), negative.getMessage());
    }

    private static DataInputStream tensorHeader(long rows, long columns) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(1);
            out.writeUTF("layer.0.ffn.in.weight");
            out.writeInt(2);
            out.writeLong(rows);
            out.writeLong(columns);
            out.write(new byte[64]);
        }
        return new DataInputStream(new ByteArrayInputStream(bytes.toByteArray()));
    }
}
