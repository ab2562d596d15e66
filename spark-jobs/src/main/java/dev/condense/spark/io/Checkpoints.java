package dev.condense.spark.io;

import dev.condense.models.state.KnownLengthInputStream;
import dev.condense.spark.settings.SettingsException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;
import java.util.zip.CheckedOutputStream;

/**
 * A stage's round checkpoints in {@code <run>/checkpoints}: {@code <stage>-round-NNNNN.ckpt}, each written
 * atomically with its length and a CRC32, so a truncated or corrupt file is recognised and skipped, never loaded.
 * Only the newest few are kept: a MiniLM training state is about 180 MB. Beside them, {@code <stage>.settings}
 * records the settings the checkpoints are valid for (see {@link #bind}).
 */
public final class Checkpoints {

    private static final int MAGIC = 0x434B5054; // "CKPT"
    private static final int KEEP = 2;
    /** Magic, payload length, CRC32 of the payload. */
    private static final int HEADER_BYTES = 16;
    /** The identity line holding the training data's {@code DataDigest}; not a setting. */
    private static final String DATA_DIGEST = "(training data)";

    private final Configuration conf;
    private final String directory;
    /** Identities bound before their stage's first checkpoint, written with it. */
    private final Map<String, SortedMap<String, String>> unwritten = new HashMap<>();

    public Checkpoints(Configuration conf, String runDirectory) {
        this.conf = conf;
        this.directory = runDirectory + "/checkpoints";
    }

    /** Parses a checkpoint's payload from a stream whose {@code available()} is the payload bytes left. */
    @FunctionalInterface
    public interface Parser<T> {
        T parse(DataInputStream in) throws IOException;
    }

    /** An intact checkpoint: the round it completes (1-based), and its file, read in a stream when asked. */
    public static final class Checkpoint {
        private final int round;
        private final Path file;
        private final long length;
        private final Configuration conf;

        private Checkpoint(int round, Path file, long length, Configuration conf) {
            this.round = round;
            this.file = file;
            this.length = length;
            this.conf = conf;
        }

        public int round() {
            return round;
        }

        /** Parses the payload as it is read from the file, so a resume never holds the file's bytes whole. */
        public <T> T read(Parser<T> parser) throws IOException {
            try (FSDataInputStream in = file.getFileSystem(conf).open(file)) {
                in.seek(HEADER_BYTES);
                return parser.parse(new DataInputStream(new KnownLengthInputStream(
                        new BufferedInputStream(in, 1 << 16), length)));
            }
        }
    }

    /** What a checkpoint holds, written by its owner straight into the file. */
    @FunctionalInterface
    public interface Payload {
        void writeTo(DataOutputStream out) throws IOException;
    }

    /**
     * Saves round {@code round} of {@code stage}. The payload is written twice: once to learn its length and CRC32
     * for the header, once into the file behind it. A training state is hundreds of megabytes, and holding it as
     * bytes (and once more as the file's bytes) was the driver's largest heap peak of a round; serializing it
     * twice costs well under a second. {@code payload} must write the same bytes both times.
     */
    public void save(String stage, int round, Payload payload) {
        try {
            CRC32 crc = new CRC32();
            int length = write(payload, new CheckedOutputStream(OutputStream.nullOutputStream(), crc));
            long checksum = crc.getValue();
            SortedMap<String, String> identity = unwritten.remove(stage);
            if (identity != null) {
                HadoopFiles.writeAtomically(conf, identityFile(stage), render(identity));
            }
            HadoopFiles.writeAtomically(conf, directory + "/" + fileName(stage, round), out -> {
                DataOutputStream header = new DataOutputStream(out);
                header.writeInt(MAGIC);
                header.writeInt(length);
                header.writeLong(checksum);
                CRC32 again = new CRC32();
                if (write(payload, new CheckedOutputStream(out, again)) != length || again.getValue() != checksum) {
                    throw new IOException("the checkpoint's payload changed while it was written");
                }
            });
            prune(stage);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint " + stage + " round " + round, e);
        }
    }

    /** Writes the payload into {@code out} and returns its length, which the header holds as an int. */
    private static int write(Payload payload, OutputStream out) throws IOException {
        DataOutputStream data = new DataOutputStream(new BufferedOutputStream(out, 1 << 16));
        payload.writeTo(data);
        data.flush();
        if (data.size() == Integer.MAX_VALUE) { // DataOutputStream's count stops there
            throw new IOException("a checkpoint of 2 GB or more is too large for its header");
        }
        return data.size();
    }

    /**
     * Ties the stage's checkpoints to the settings that shaped them; call it before the stage's first round. With
     * checkpoints on disk, a resume under different values is refused, naming every changed key, because continuing
     * would silently mix two experiments (another data set, shard count, seed or pruning target) into one model.
     * Otherwise {@code identity} is written beside the stage's first checkpoint. Checkpoints without a recorded
     * identity are never adopted.
     *
     * @throws SettingsException if checkpoints exist and were made under other settings, or under unknown ones
     */
    public void bind(String stage, SortedMap<String, String> identity) {
        String file = identityFile(stage);
        if (!list(stage).isEmpty() && !HadoopFiles.exists(conf, file)) {
            // copied in from elsewhere, or left by a version that did not record settings: nothing says whose
            // they are, and adopting one once saved a speech model as a text run's teacher
            throw new SettingsException("run " + directory.substring(0, directory.lastIndexOf('/')) + " has "
                    + stage + " checkpoints but no " + file + " recording the settings they were made under, so "
                    + "they cannot be resumed: use a new condense.run.id, or delete " + directory);
        }
        if (!list(stage).isEmpty()) {
            SortedMap<String, String> recorded;
            try {
                recorded = parse(new String(HadoopFiles.readAll(conf, file), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
            List<String> changed = differences(recorded, identity);
            if (!changed.isEmpty()) {
                throw new SettingsException("run " + directory.substring(0, directory.lastIndexOf('/')) + " has "
                        + stage + " checkpoints made under other settings, so it cannot resume: "
                        + String.join("; ", changed) + ". Use a new condense.run.id, or restore those values");
            }
            return;
        }
        unwritten.put(stage, new TreeMap<>(identity));
    }

    /**
     * Adds the digest of the data the stage trains on to what its checkpoints are valid for (call after
     * {@link #bind}, once the data is read): a checkpoint made on other data is refused, since the settings alone
     * cannot tell two DataFrames, or two versions of one file, apart. Checkpoints recorded before digests existed
     * carry none and are resumed as before.
     *
     * @throws SettingsException if the stage's checkpoints were made on other data
     */
    public void bindData(String stage, String digest) {
        SortedMap<String, String> pending = unwritten.get(stage);
        if (pending != null) {
            pending.put(DATA_DIGEST, digest);
            return;
        }
        String recorded;
        try {
            recorded = parse(new String(HadoopFiles.readAll(conf, identityFile(stage)), StandardCharsets.UTF_8))
                    .get(DATA_DIGEST);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + identityFile(stage), e);
        }
        if (recorded != null && !recorded.equals(digest)) {
            throw new SettingsException("run " + directory.substring(0, directory.lastIndexOf('/')) + " has "
                    + stage + " checkpoints made on other data (" + recorded + " examples:digest, this run has "
                    + digest + "), so it cannot resume: use a new condense.run.id for new data");
        }
    }

    private String identityFile(String stage) {
        return directory + "/" + stage + ".settings";
    }

    private static List<String> differences(SortedMap<String, String> recorded, SortedMap<String, String> now) {
        SortedMap<String, String> keys = new TreeMap<>(recorded);
        keys.putAll(now);
        keys.remove(DATA_DIGEST); // checked by bindData, once the data is read
        List<String> out = new ArrayList<>();
        for (String key : keys.keySet()) {
            String before = recorded.get(key);
            String after = now.get(key);
            if (!Objects.equals(before, after)) {
                out.add("condense." + key + " was " + (before == null ? "unset" : before) + ", is now "
                        + (after == null ? "unset" : after));
            }
        }
        return out;
    }

    /** One {@code key = value} line per setting; values are single-line HOCON renderings. */
    private static String render(SortedMap<String, String> identity) {
        StringBuilder out = new StringBuilder();
        identity.forEach((k, v) -> out.append(k).append(" = ").append(v).append('\n'));
        return out.toString();
    }

    private static SortedMap<String, String> parse(String text) {
        SortedMap<String, String> out = new TreeMap<>();
        for (String line : text.split("\n")) {
            int eq = line.indexOf(" = ");
            if (eq > 0) {
                out.put(line.substring(0, eq), line.substring(eq + 3));
            }
        }
        return out;
    }

    /** The newest checkpoint of {@code stage} whose length and checksum are intact. */
    public Optional<Checkpoint> latest(String stage) {
        for (FileStatus f : list(stage)) {
            OptionalLong length = intactLength(f.getPath());
            if (length.isPresent()) {
                return Optional.of(new Checkpoint(roundOf(stage, f.getPath().getName()), f.getPath(),
                        length.getAsLong(), conf));
            }
            System.err.println("ignoring damaged checkpoint " + f.getPath());
        }
        return Optional.empty();
    }

    /** The payload length of a file whose header, length and CRC32 agree with its contents; empty otherwise. */
    private OptionalLong intactLength(Path path) {
        try (FSDataInputStream in = path.getFileSystem(conf).open(path)) {
            DataInputStream data = new DataInputStream(in);
            if (data.readInt() != MAGIC) {
                return OptionalLong.empty();
            }
            long length = data.readInt();
            long expected = data.readLong();
            CRC32 crc = new CRC32();
            byte[] chunk = new byte[1 << 16];
            long total = 0;
            for (int n; (n = in.read(chunk)) > 0; total += n) {
                crc.update(chunk, 0, n);
            }
            return total == length && crc.getValue() == expected ? OptionalLong.of(length) : OptionalLong.empty();
        } catch (IOException e) {
            return OptionalLong.empty();
        }
    }

    /** Newest first. */
    private List<FileStatus> list(String stage) {
        try {
            Path dir = new Path(directory);
            FileSystem fs = dir.getFileSystem(conf);
            if (!fs.exists(dir)) {
                return List.of();
            }
            Pattern p = pattern(stage);
            return Arrays.stream(fs.listStatus(dir))
                    .filter(f -> p.matcher(f.getPath().getName()).matches())
                    .sorted(Comparator.comparingInt((FileStatus f) -> roundOf(stage, f.getPath().getName()))
                            .reversed())
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + directory, e);
        }
    }

    private void prune(String stage) throws IOException {
        List<FileStatus> files = list(stage);
        for (int i = KEEP; i < files.size(); i++) {
            Path p = files.get(i).getPath();
            p.getFileSystem(conf).delete(p, false);
        }
    }

    static String fileName(String stage, int round) {
        return String.format("%s-round-%05d.ckpt", stage, round);
    }

    private static Pattern pattern(String stage) {
        return Pattern.compile(Pattern.quote(stage) + "-round-(\\d{5})\\.ckpt");
    }

    private static int roundOf(String stage, String name) {
        Matcher m = pattern(stage).matcher(name);
        if (!m.matches()) {
            throw new IllegalArgumentException(name);
        }
        return Integer.parseInt(m.group(1));
    }
}
