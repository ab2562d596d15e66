package dev.condense.spark.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.condense.spark.io.DataException;
import dev.condense.spark.io.HadoopFiles;
import dev.condense.spark.settings.CondenseSettings;
import dev.condense.spark.settings.Versions;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;

/**
 * What made a saved model, written beside its {@code model.bin} as {@code provenance.json}, as a Tribuo model carries
 * its own: the stage, the models it started from with each file's SHA-256, the digest of the training examples, the
 * seed, every setting, and the versions of Condense and of the libraries that computed it. So a model found in a
 * bucket a year later says what it is and how to make it again, and {@code report.html} shows it.
 *
 * @param trainingData the digest of the training examples ({@code DataDigest}), or null for a stage that does not
 *                     train
 * @param seed         the stage's seed, or null for a stage without randomness
 */
public record Provenance(String stage, List<Parent> parents, String trainingData, Long seed,
                         SortedMap<String, String> settings, Map<String, String> versions, String savedAt) {

    public static final String FILE = "provenance.json";

    /**
     * A model the stage started from.
     *
     * @param role   what it was to the stage: pretrained, teacher, student, ...
     * @param path   where it was read from (a built-in model's name, e.g. {@code minilm})
     * @param sha256 the SHA-256 of its file, or null for a model built into Condense
     */
    public record Parent(String role, String path, String sha256) {
    }

    public Provenance {
        parents = List.copyOf(parents);
    }

    /** The provenance of a model a stage is saving now, under settings {@code s}. */
    public static Provenance of(String stage, CondenseSettings s, List<Parent> parents, String trainingData,
                                Long seed) {
        return new Provenance(stage, parents, trainingData, seed, s.values(), Versions.all(),
                Instant.now().toString());
    }

    /**
     * A parent read from {@code path}: a saved model's directory (its {@code model.bin} is hashed), a file such as an
     * ONNX encoder (hashed itself), or the name of a model built into Condense (not hashed).
     */
    public static Parent parent(Configuration conf, String role, String path) {
        String model = path + "/" + ModelStore.FILE;
        if (HadoopFiles.exists(conf, model)) {
            return new Parent(role, path, sha256(conf, model));
        }
        if (path.contains("/") || path.contains(".")) {
            return new Parent(role, path, sha256(conf, path));
        }
        return new Parent(role, path, null);
    }

    /** Writes {@code <modelDirectory>/provenance.json}, atomically. */
    public void write(Configuration conf, String modelDirectory) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("stage", stage);
        json.put("parents", parents);
        json.put("training_data", trainingData);
        json.put("seed", seed);
        json.put("versions", versions);
        json.put("saved_at", savedAt);
        ObjectMapper mapper = new ObjectMapper();
        Map<String, JsonNode> values = new LinkedHashMap<>();
        settings.forEach((key, rendered) -> values.put(key, asJson(mapper, rendered)));
        json.put("settings", values);
        try {
            HadoopFiles.writeAtomically(conf, modelDirectory + "/" + FILE, mapper
                    .enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(json) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + modelDirectory + "/" + FILE, e);
        }
    }

    /** A setting's value as JSON: the settings render each value as HOCON's concise JSON. */
    private static JsonNode asJson(ObjectMapper mapper, String rendered) {
        try {
            return mapper.readTree(rendered);
        } catch (IOException e) {
            return mapper.getNodeFactory().textNode(rendered);
        }
    }

    /** The provenance saved beside a model, if there is one. */
    public static Optional<JsonNode> read(Configuration conf, String modelDirectory) {
        String file = modelDirectory + "/" + FILE;
        if (!HadoopFiles.exists(conf, file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(new ObjectMapper().readTree(HadoopFiles.readAll(conf, file)));
        } catch (IOException e) {
            throw new DataException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** The SHA-256 of a file, streamed through the Hadoop FileSystem API. */
    static String sha256(Configuration conf, String file) {
        Path p = new Path(file);
        try (FSDataInputStream in = p.getFileSystem(conf).open(p);
             DigestInputStream digest = new DigestInputStream(in, MessageDigest.getInstance("SHA-256"))) {
            digest.transferTo(java.io.OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(digest.getMessageDigest().digest());
        } catch (IOException e) {
            throw new DataException("cannot read " + file + " to hash it: " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
