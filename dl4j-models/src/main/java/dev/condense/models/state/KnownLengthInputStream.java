package dev.condense.models.state;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * The next {@code length} bytes of a stream, whose {@link #available()} is the number of those bytes not yet read.
 * {@link TensorMap#readFrom} checks every declared tensor size against {@code available()} before allocating it;
 * over bytes in memory that is exact, but a stream read as it arrives (a shuffle block, a broadcast piece, a file)
 * reports only what it has buffered. Wrapped in this, such a stream is read in place, without first copying the
 * whole block into an array. Reading never goes past the declared end, and a source that ends early is an
 * {@link EOFException}.
 */
public final class KnownLengthInputStream extends FilterInputStream {

    private long remaining;

    public KnownLengthInputStream(InputStream in, long length) {
        super(in);
        if (length < 0) {
            throw new IllegalArgumentException("negative length " + length);
        }
        this.remaining = length;
    }

    /**
     * The block that follows a length prefix ({@code writeLong} of its byte count, as the round's broadcast and
     * results are framed), as a data stream that ends where the block does.
     */
    public static DataInputStream afterLengthPrefix(InputStream in) throws IOException {
        long length = new DataInputStream(in).readLong();
        return new DataInputStream(new KnownLengthInputStream(in, length));
    }

    @Override
    public int available() {
        return (int) Math.min(Integer.MAX_VALUE, remaining);
    }

    @Override
    public int read() throws IOException {
        if (remaining == 0) {
            return -1;
        }
        int b = in.read();
        if (b < 0) {
            throw new EOFException(remaining + " declared bytes missing");
        }
        remaining--;
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (remaining == 0) {
            return -1;
        }
        int n = in.read(b, off, (int) Math.min(len, remaining));
        if (n < 0) {
            throw new EOFException(remaining + " declared bytes missing");
        }
        remaining -= n;
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        long skipped = in.skip(Math.min(n, remaining));
        remaining -= skipped;
        return skipped;
    }

    /** Leaves the underlying stream open: it carries more than this block. */
    @Override
    public void close() {
    }

    @Override
    public boolean markSupported() {
        return false;
    }
}
