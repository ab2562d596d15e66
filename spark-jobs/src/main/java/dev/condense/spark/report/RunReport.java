package dev.condense.spark.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.condense.models.factor.Factoriser;
import dev.condense.models.nn.Svd;
import dev.condense.models.shrink.FlopCount;
import dev.condense.models.shrink.ParameterCount;
import dev.condense.models.state.ModelState;
import dev.condense.models.state.ParameterNames;
import dev.condense.spark.io.HadoopFiles;
import dev.condense.spark.run.MetricsJson;
import dev.condense.spark.run.ModelStore;
import dev.condense.spark.run.Provenance;
import dev.condense.spark.run.RunLayout;
import dev.condense.spark.run.RunLayout.Model;
import org.apache.hadoop.conf.Configuration;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code <run>/report.html}: what each stage of a run produced, in one self-contained page (inline SVG, no script,
 * nothing fetched): dev accuracy against encoder-matrix values per stage, training loss per round, sparsity per
 * matrix of the pruned student, kept rank per matrix of the factorised model, and singular-value spectra of a few
 * matrices before and after pruning. Every number is read from the run's saved models and metrics files.
 */
public final class RunReport {

    private RunReport() {
    }

    /** Writes the report of {@code runDir} to {@code <runDir>/report.html} and returns its path. */
    public static String write(Configuration conf, String runDir) {
        String path = new RunLayout(runDir).report();
        try {
            HadoopFiles.writeAtomically(conf, path, html(conf, runDir));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path, e);
        }
        return path;
    }

    static String html(Configuration conf, String runDir) throws IOException {
        Map<Model, JsonNode> metrics = new LinkedHashMap<>();
        Map<Model, ModelState> models = new LinkedHashMap<>();
        RunLayout run = new RunLayout(runDir);
        for (Model model : Model.values()) {
            String dir = run.model(model);
            String metricsFile = RunLayout.metricsIn(dir);
            if (HadoopFiles.exists(conf, metricsFile) && HadoopFiles.exists(conf, dir + "/" + ModelStore.FILE)) {
                metrics.put(model, new ObjectMapper().readTree(new String(HadoopFiles.readAll(conf,
                        metricsFile), StandardCharsets.UTF_8)));
                models.put(model, ModelStore.load(conf, dir));
            }
        }
        if (metrics.isEmpty()) {
            throw new dev.condense.spark.io.DataException("no stage of run " + runDir + " has a saved model with "
                    + RunLayout.METRICS + " (looked for " + Arrays.stream(Model.values())
                    .map(Model::directory).toList() + ")");
        }
        StringBuilder out = new StringBuilder("<!DOCTYPE html><html><head><meta charset='utf-8'><title>Condense run "
                + Svg.esc(runDir) + "</title><style>body{font-family:sans-serif;max-width:800px;margin:24px auto;"
                + "color:#222}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;"
                + "text-align:right}th{background:#f4f4f4}td:first-child{text-align:left}</style></head><body>");
        out.append("<h1>Condense run</h1><p>").append(Svg.esc(runDir)).append("</p>");
        stageTable(out, metrics, models);
        provenance(out, conf, run, metrics.keySet());
        accuracyAgainstValues(out, metrics, models);
        losses(out, metrics);
        JsonNode student = metrics.get(Model.STUDENT);
        if (student != null && student.has("sparsity_per_matrix")) {
            sparsity(out, student, !models.get(Model.STUDENT).spec().residualRows().isEmpty());
        }
        if (metrics.containsKey(Model.FACTORISED)) {
            ranks(out, metrics.get(Model.FACTORISED));
        }
        if (models.containsKey(Model.TEACHER) && models.containsKey(Model.STUDENT)) {
            spectra(out, models.get(Model.TEACHER), models.get(Model.STUDENT));
        }
        return out.append("</body></html>\n").toString();
    }

    private static void stageTable(StringBuilder out, Map<Model, JsonNode> metrics,
                                   Map<Model, ModelState> models) {
        out.append("<h2>Stages</h2><table><tr><th>stage</th><th>dev accuracy</th><th>encoder-matrix values</th>"
                + "<th>non-zero</th><th>all parameters</th><th>GFLOPs per 128-token sequence</th></tr>");
        metrics.forEach((stage, m) -> {
            ParameterCount c = ParameterCount.of(models.get(stage));
            out.append("<tr><td>").append(stage.description()).append("</td><td>")
                    .append(String.format(Locale.ROOT, "%.2f%%", 100 * m.get("accuracy").asDouble()))
                    .append("</td><td>").append(Svg.num(c.encoderMatrixValues())).append("</td><td>")
                    .append(Svg.num(c.encoderMatrixNonZeros())).append("</td><td>").append(Svg.num(c.total()))
                    .append("</td><td>").append(String.format(Locale.ROOT, "%.2f",
                            FlopCount.of(models.get(stage), MetricsJson.FLOP_LENGTH).total() / 1e9))
                    .append("</td></tr>");
        });
        out.append("</table>");
    }

    /** Each saved model's {@link Provenance}: what it started from, on which data, with which seed and versions. */
    private static void provenance(StringBuilder out, Configuration conf, RunLayout run, Iterable<Model> saved) {
        StringBuilder rows = new StringBuilder();
        for (Model model : saved) {
            Provenance.read(conf, run.model(model)).ifPresent(p -> {
                StringBuilder parents = new StringBuilder();
                p.path("parents").forEach(parent -> parents.append(parents.length() == 0 ? "" : "<br>")
                        .append(Svg.esc(parent.path("role").asText())).append(": ")
                        .append(Svg.esc(parent.path("path").asText()))
                        .append(parent.path("sha256").isTextual() ? " (sha256 "
                                + parent.path("sha256").asText().substring(0, 12) + "…)" : ""));
                JsonNode v = p.path("versions");
                rows.append("<tr><td>").append(model.description()).append("</td><td>").append(parents)
                        .append("</td><td>").append(Svg.esc(p.path("training_data").asText("—")))
                        .append("</td><td>").append(p.path("seed").isNumber() ? p.path("seed").asText() : "—")
                        .append("</td><td>").append(Svg.esc("Condense " + v.path("condense").asText() + ", ND4J "
                                + v.path("nd4j").asText() + ", Spark " + v.path("spark").asText()))
                        .append("</td><td>").append(Svg.esc(p.path("saved_at").asText())).append("</td></tr>");
            });
        }
        if (rows.length() > 0) {
            out.append("<h2>Provenance</h2><table><tr><th>model</th><th>made from</th><th>training data</th>"
                    + "<th>seed</th><th>versions</th><th>saved</th></tr>").append(rows).append("</table>"
                    + "<p>Every setting is in each model's provenance.json.</p>");
        }
    }

    private static void accuracyAgainstValues(StringBuilder out, Map<Model, JsonNode> metrics,
                                              Map<Model, ModelState> models) {
        Map<String, double[]> points = new LinkedHashMap<>();
        metrics.forEach((stage, m) -> points.put(stage.directory(), new double[] {
                ParameterCount.of(models.get(stage)).encoderMatrixNonZeros(), m.get("accuracy").asDouble()}));
        out.append("<h2>Accuracy against parameters</h2>").append(Svg.points(
                "dev accuracy against non-zero encoder-matrix values", points, "non-zero encoder-matrix values",
                "dev accuracy"));
    }

    private static void losses(StringBuilder out, Map<Model, JsonNode> metrics) {
        Map<String, List<Double>> series = new LinkedHashMap<>();
        metrics.forEach((stage, m) -> {
            if (m.has("round_train_loss")) {
                List<Double> v = new ArrayList<>();
                m.get("round_train_loss").forEach(x -> v.add(x.asDouble()));
                series.put(stage.directory(), v);
            }
        });
        if (!series.isEmpty()) {
            out.append("<h2>Training loss</h2>").append(Svg.lines("mean training loss per round", series, false,
                    "round", "loss"));
        }
    }

    /** @param residuals whether the student is LoSparse's U·V + S, whose pruning groups prune the residuals S */
    private static void sparsity(StringBuilder out, JsonNode student, boolean residuals) {
        List<String> labels = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        student.get("sparsity_per_matrix").fields().forEachRemaining(e -> {
            if (e.getKey().startsWith("layer.") && e.getKey().endsWith(".weight")) {
                labels.add(shortName(e.getKey()));
                values.add(e.getValue().asDouble());
            }
        });
        out.append("<h2>Sparsity per matrix (pruned student)</h2>").append(Svg.bars(residuals
                ? "share of each sparse residual's entries pruned (LoSparse: the low-rank factors stay)"
                : "share of each encoder matrix's entries pruned", labels, values, 1.0, "sparsity"));
    }

    private static void ranks(StringBuilder out, JsonNode factorised) {
        List<String> labels = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        double max = 1;
        for (var it = factorised.get("ranks").fields(); it.hasNext(); ) {
            var e = it.next();
            labels.add(shortName(e.getKey()));
            values.add(e.getValue().asDouble());
            if (factorised.has("full_ranks") && factorised.get("full_ranks").has(e.getKey())) {
                max = Math.max(max, factorised.get("full_ranks").get(e.getKey()).asDouble());
            }
        }
        out.append("<h2>Kept rank per matrix (learned ranks)</h2>").append(Svg.bars(
                "directions each matrix keeps (axis: the largest full rank)", labels, values, max, "rank"));
    }

    private static void spectra(StringBuilder out, ModelState teacher, ModelState student) {
        out.append("<h2>Singular values before and after pruning</h2>");
        for (String name : List.of(ParameterNames.query(0, "weight"), ParameterNames.ffnIn(2, "weight"),
                ParameterNames.ffnOut(5, "weight"))) {
            if (!ParameterNames.encoderMatrices(teacher.spec()).stream().anyMatch(m -> m.name().equals(name))
                    || !ParameterNames.encoderMatrices(student.spec()).stream().anyMatch(m -> m.name().equals(name))) {
                continue;
            }
            Map<String, List<Double>> series = new LinkedHashMap<>();
            series.put("teacher", spectrum(teacher, name));
            series.put("pruned student", spectrum(student, name));
            out.append(Svg.lines(name, series, true, "singular value index", "σ"));
        }
    }

    /** The singular values of the matrix the model computes with (U·V + S for a LoSparse student). */
    private static List<Double> spectrum(ModelState model, String name) {
        double[] s = Svd.of(Factoriser.effectiveMatrix(model, name)).s().toDoubleVector();
        List<Double> out = new ArrayList<>();
        for (double v : s) {
            out.add(v);
        }
        return out;
    }

    private static String shortName(String weight) {
        return weight.replace("layer.", "L").replace(".attention.", ".").replace(".weight", "");
    }
}
