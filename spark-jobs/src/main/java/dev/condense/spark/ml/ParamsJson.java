package dev.condense.spark.ml;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.condense.spark.data.DataException;
import dev.condense.spark.io.HadoopFiles;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.Map;

/**
 * A stage's {@code metadata.json}: its class, uid and every param value (set or default), each encoded by its own
 * {@link Param#jsonEncode}, plus stage-specific fields. Written atomically through the Hadoop FileSystem API, so a
 * saved stage lives on any Hadoop URI (dbfs:/, s3a://, hdfs://).
 */
final class ParamsJson {

    static final String FILE = "metadata.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private ParamsJson() {
    }

    static void write(Configuration conf, String directory, Params stage, Map<String, Object> extra) {
        ObjectNode root = JSON.createObjectNode();
        root.put("class", stage.getClass().getName());
        root.put("uid", stage.uid());
        root.put("sparkVersion", org.apache.spark.package$.MODULE$.SPARK_VERSION());
        ObjectNode params = root.putObject("paramMap");
        for (Param<?> param : stage.params()) {
            if (stage.isDefined(param)) {
                params.set(param.name(), parse(encode(param, stage.getOrDefault(param))));
            }
        }
        extra.forEach((k, v) -> root.set(k, JSON.valueToTree(v)));
        try {
            HadoopFiles.writeAtomically(conf, directory + "/" + FILE, JSON.writerWithDefaultPrettyPrinter()
                    .writeValueAsString(root) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + directory + "/" + FILE, e);
        }
    }

    /** The metadata of a saved stage, checked to be of {@code type}. */
    static JsonNode read(Configuration conf, String directory, Class<?> type) {
        String file = directory + "/" + FILE;
        if (!HadoopFiles.exists(conf, file)) {
            throw new DataException("not a saved " + type.getSimpleName() + ": " + file + " does not exist");
        }
        JsonNode root;
        try {
            root = JSON.readTree(HadoopFiles.readAll(conf, file));
        } catch (IOException e) {
            throw new DataException("cannot read " + file + ": " + e.getMessage(), e);
        }
        if (!type.getName().equals(root.path("class").asText())) {
            throw new DataException(file + " holds a " + root.path("class").asText() + ", not a " + type.getName());
        }
        return root;
    }

    /** Sets every param recorded in {@code metadata} on {@code stage}; unknown names are an error. */
    @SuppressWarnings("unchecked")
    static void restore(JsonNode metadata, Params stage) {
        Iterator<Map.Entry<String, JsonNode>> fields = metadata.path("paramMap").fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> e = fields.next();
            if (!stage.hasParam(e.getKey())) {
                throw new DataException("saved param '" + e.getKey() + "' is not a param of "
                        + stage.getClass().getSimpleName());
            }
            Param<Object> param = (Param<Object>) stage.getParam(e.getKey());
            stage.set(param, param.jsonDecode(e.getValue().toString()));
        }
    }

    @SuppressWarnings("unchecked")
    private static String encode(Param<?> param, Object value) {
        return ((Param<Object>) param).jsonEncode(value);
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
