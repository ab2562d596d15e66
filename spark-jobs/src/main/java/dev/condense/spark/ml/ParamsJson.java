package dev.condense.spark.ml;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.condense.spark.io.DataException;
import dev.condense.spark.io.HadoopFiles;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.Map;

/**
 * A stage's metadata in Spark ML's layout, {@code <path>/metadata/part-00000}: one line of JSON with its class, uid,
 * timestamp and Spark version, the params set ({@code paramMap}) and the defaults ({@code defaultParamMap}), each
 * encoded by its own {@link Param#jsonEncode}, plus stage-specific fields. Spark's {@code Pipeline} and
 * {@code PipelineModel} readers find a stage's class there and load it through its {@code read()}, so a pipeline
 * holding a Condense stage saves and loads like any other. Written atomically through the Hadoop FileSystem API, so
 * a saved stage lives on any Hadoop URI (dbfs:/, s3a://, hdfs://).
 */
final class ParamsJson {

    static final String FILE = "metadata/part-00000";
    /** Where stages saved before the Spark layout kept their metadata; still read. */
    static final String EARLIER_FILE = "metadata.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private ParamsJson() {
    }

    static void write(Configuration conf, String directory, Params stage, Map<String, Object> extra) {
        ObjectNode root = JSON.createObjectNode();
        root.put("class", stage.getClass().getName());
        root.put("timestamp", System.currentTimeMillis());
        root.put("sparkVersion", org.apache.spark.package$.MODULE$.SPARK_VERSION());
        root.put("uid", stage.uid());
        ObjectNode set = root.putObject("paramMap");
        ObjectNode defaults = root.putObject("defaultParamMap");
        for (Param<?> param : stage.params()) {
            if (stage.isSet(param)) {
                set.set(param.name(), parse(encode(param, stage.getOrDefault(param))));
            } else if (stage.hasDefault(param)) {
                defaults.set(param.name(), parse(encode(param, stage.getDefault(param).get())));
            }
        }
        extra.forEach((k, v) -> root.set(k, JSON.valueToTree(v)));
        try {
            HadoopFiles.writeAtomically(conf, directory + "/" + FILE, JSON.writeValueAsString(root) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + directory + "/" + FILE, e);
        }
    }

    /** The metadata of a saved stage, checked to be of {@code type}. */
    static JsonNode read(Configuration conf, String directory, Class<?> type) {
        String file = directory + "/" + FILE;
        if (!HadoopFiles.exists(conf, file)) {
            file = directory + "/" + EARLIER_FILE;
        }
        if (!HadoopFiles.exists(conf, file)) {
            throw new DataException("not a saved " + type.getSimpleName() + ": " + directory + "/" + FILE
                    + " does not exist");
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

    /**
     * Sets every param of {@code paramMap} on {@code stage} and makes those of {@code defaultParamMap} its defaults,
     * as they were when it was saved; unknown names are an error.
     */
    @SuppressWarnings("unchecked")
    static void restore(JsonNode metadata, Params stage) {
        for (String section : new String[] {"paramMap", "defaultParamMap"}) {
            Iterator<Map.Entry<String, JsonNode>> fields = metadata.path(section).fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> e = fields.next();
                if (!stage.hasParam(e.getKey())) {
                    throw new DataException("saved param '" + e.getKey() + "' is not a param of "
                            + stage.getClass().getSimpleName());
                }
                Param<Object> param = (Param<Object>) stage.getParam(e.getKey());
                Object value = param.jsonDecode(e.getValue().toString());
                if (section.equals("paramMap")) {
                    stage.set(param, value);
                } else {
                    stage.setDefault(param, value);
                }
            }
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
