package dev.condense.models.state;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Tensor maps read in place from a stream that, like a shuffle file, reports only what it has buffered. */
class KnownLengthInputStreamTest {

    /** Reports nothing available and hands out at most 100 bytes a read, as a socket or a decompressor may. */
    private static InputStream trickling(byte[] bytes) {
        return new FilterInputStream(new ByteArrayInputStream(bytes)) {
            @Override
            public int available() {
                return 0;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return super.read(b, off, Math.min(len, 100));
            }
        };
    }

    private static TensorMap sample() {
        Random random = new Random(3);
        float[] large = new float[40_000]; // spans several of the 16 K-float chunks
        for (int i = 0; i < large.length; i++) {
            large[i] = (float) random.nextGaussian();
        }
        return new TensorMap().put("large", new Tensor(new long[] {200, 200}, large))
                .put("small", new Tensor(new long[] {3}, new float[] {1f, -0f, Float.MIN_VALUE}));
    }

    private static byte[] written(TensorMap map) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            map.writeTo(out);
            out.writeUTF("after the block");
        }
        return bytes.toByteArray();
    }

    @Test
    void aTensorMapReadsBackExactlyFromATricklingStreamAndStopsAtItsEnd() throws IOException {
        TensorMap map = sample();
        byte[] bytes = written(map);
        assertEquals(map.serializedSize() + 2 + "after the block".length(), bytes.length);
        InputStream source = trickling(bytes);
        TensorMap back = TensorMap.readFrom(new DataInputStream(new KnownLengthInputStream(source,
                map.serializedSize())));
        assertEquals(map.names(), back.names());
        for (String name : map.names()) {
            assertArrayEquals(map.get(name).shape(), back.get(name).shape());
            assertTrue(Arrays.equals(map.get(name).data(), back.get(name).data()), name + " bit for bit");
        }
        assertEquals("after the block", new DataInputStream(source).readUTF(), "the next record is untouched");
    }

    @Test
    void withoutADeclaredLengthSuchAStreamCannotBeRead() throws IOException {
        byte[] bytes = written(sample());
        IOException e = assertThrows(IOException.class,
                () -> TensorMap.readFrom(new DataInputStream(trickling(bytes))));
        assertTrue(e.getMessage().contains("only 0 bytes remain"), e.getMessage());
    }

    @Test
    void aBlockThatEndsEarlyIsAnEofAndALyingSizeIsRefusedBeforeAllocating() throws IOException {
        TensorMap map = sample();
        byte[] bytes = Arrays.copyOf(written(map), 1000);
        assertThrows(EOFException.class, () -> TensorMap.readFrom(new DataInputStream(new KnownLengthInputStream(
                trickling(bytes), map.serializedSize()))));
        IOException e = assertThrows(IOException.class, () -> TensorMap.readFrom(new DataInputStream(
                new KnownLengthInputStream(trickling(written(map)), 1000))));
        assertTrue(e.getMessage().contains("declares 40000 values"), e.getMessage());
    }
}
