package dev.condense.spark.io;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Driver-side file access through the Hadoop FileSystem API, so every path may be file://, hdfs:// or s3a://.
 * Writes are atomic: the bytes go to a hidden temporary file next to the target, which is then renamed over it, so
 * a reader (or a resumed run) never sees half a file.
 */
public final class HadoopFiles {

    private HadoopFiles() {
    }

    public static FileSystem fileSystem(Configuration conf, String path) {
        try {
            return new Path(path).getFileSystem(conf);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot reach the file system of " + path, e);
        }
    }

    /** Fails with a {@link DataException} naming the path when it is missing or not a file. */
    public static void requireFile(Configuration conf, String path) {
        try {
            Path p = new Path(path);
            FileSystem fs = p.getFileSystem(conf);
            if (!fs.exists(p)) {
                throw new DataException("input path does not exist: " + fs.makeQualified(p));
            }
            if (!fs.getFileStatus(p).isFile()) {
                throw new DataException("input path is not a file: " + fs.makeQualified(p));
            }
        } catch (IOException e) {
            throw new DataException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    public static boolean exists(Configuration conf, String path) {
        try {
            Path p = new Path(path);
            return p.getFileSystem(conf).exists(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The first line, without its line terminator; null for an empty file. A file whose name says it is compressed
     * ({@code .gz}, {@code .bz2}, ...) is decompressed, as Hadoop's text input does for the rest of it.
     */
    public static String firstLine(Configuration conf, String path) {
        requireFile(conf, path);
        Path p = new Path(path);
        CompressionCodec codec = new CompressionCodecFactory(conf).getCodec(p);
        try (FSDataInputStream raw = p.getFileSystem(conf).open(p);
             InputStream in = codec == null ? raw : codec.createInputStream(raw);
             BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            return r.readLine();
        } catch (IOException e) {
            throw new DataException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    /** Deletes a file if it is there. */
    public static void deleteIfExists(Configuration conf, String path) {
        try {
            Path p = new Path(path);
            p.getFileSystem(conf).delete(p, false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + path, e);
        }
    }

    public static byte[] readAll(Configuration conf, String path) throws IOException {
        Path p = new Path(path);
        try (FSDataInputStream in = p.getFileSystem(conf).open(p)) {
            return in.readAllBytes();
        }
    }

    /** Writes {@code bytes} to {@code path} atomically (temporary file, then rename). */
    public static void writeAtomically(Configuration conf, String path, byte[] bytes) throws IOException {
        writeAtomically(conf, path, out -> out.write(bytes));
    }

    /** Writes what {@code writer} writes to {@code path} atomically, without holding it in memory. */
    public static void writeAtomically(Configuration conf, String path, Writer writer) throws IOException {
        Path target = new Path(path);
        FileSystem fs = target.getFileSystem(conf);
        Path tmp = new Path(target.getParent(), "." + target.getName() + ".tmp-" + System.nanoTime());
        try (FSDataOutputStream out = fs.create(tmp, true)) {
            writer.writeTo(out);
            out.hsync();
        } catch (IOException | RuntimeException e) {
            fs.delete(tmp, false);
            throw e;
        }
        if (fs.exists(target) && !fs.delete(target, false)) {
            fs.delete(tmp, false);
            throw new IOException("cannot replace " + target);
        }
        if (!fs.rename(tmp, target)) {
            fs.delete(tmp, false);
            throw new IOException("cannot rename " + tmp + " to " + target);
        }
    }

    /** Writes a file's contents into the stream it is given. */
    @FunctionalInterface
    public interface Writer {
        void writeTo(java.io.OutputStream out) throws IOException;
    }

    public static void writeAtomically(Configuration conf, String path, String text) throws IOException {
        writeAtomically(conf, path, text.getBytes(StandardCharsets.UTF_8));
    }
}
