package dev.condense.spark.jobs;

import dev.condense.spark.SparkTestSession;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every command README.md shows runs: {@code mvn -B verify} is what {@code .ci/run} runs, and each
 * {@code deploy/condense} command runs here as written, in the test's Spark session, with its data and rounds shrunk
 * so that the whole pipeline takes about a minute, and must leave what the README says it leaves.
 */
class ReadmeCommandsTest {

    private static final Pattern CODE_BLOCK = Pattern.compile("```bash\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern INLINE = Pattern.compile("`((?:deploy/condense|mvn) [^`]*)`");

    @TempDir
    static Path dir;

    /** The command lines of README.md: those in bash blocks (comments dropped) and inline ones. */
    static List<String> commands(String readme) {
        List<String> out = new ArrayList<>();
        Matcher block = CODE_BLOCK.matcher(readme);
        while (block.find()) {
            for (String line : block.group(1).split("\n")) {
                String command = line.replaceAll("#.*", "").strip();
                if (!command.isEmpty()) {
                    out.add(command);
                }
            }
        }
        Matcher inline = INLINE.matcher(readme);
        while (inline.find()) {
            out.add(inline.group(1).strip());
        }
        return out;
    }

    @Test
    void everyCommandInTheReadmeRuns() throws Exception {
        List<String> commands = commands(Files.readString(Path.of("../README.md")));
        assertTrue(commands.contains("deploy/condense compress") && commands.contains("mvn -B verify"),
                commands.toString());
        String ci = Files.readString(Path.of("../.ci/run"));
        for (String command : commands) {
            if (command.startsWith("mvn ")) {
                assertTrue(ci.lines().anyMatch(command::equals), ".ci/run must run " + command);
            } else if (command.startsWith("deploy/condense ")) {
                run(command.substring("deploy/condense ".length()).split("\\s+"));
            } else {
                fail("README.md shows a command no test runs: " + command);
            }
        }
    }

    private static void run(String[] args) throws Exception {
        if (Arrays.asList(args).contains("--help")) {
            assertEquals(Condense.OK, CommandRun.of(args).code());
            return;
        }
        Path output = dir.resolve("runs");
        List<String> shrunk = new ArrayList<>(Arrays.asList(args));
        shrunk.addAll(List.of("run.output=" + output, "data.train=../data-samples/sst2/train.tsv",
                "data.dev=" + SparkTestSession.sst2Rows(dir.resolve("dev.tsv"), 60000, 48), "data.train-limit=96",
                "finetune.rounds=1", "finetune.local-steps=2", "finetune.batch-size=8", "prune.training.rounds=1",
                "prune.training.local-steps=2",
                "prune.schedule.start-step=0", "prune.schedule.end-step=2"));
        JavaSparkContext sc = SparkTestSession.start();
        Condense.runInSession(SparkSession.builder().sparkContext(sc.sc()).getOrCreate(),
                shrunk.toArray(String[]::new));
        Path run = output.resolve("sst2-minilm");
        for (String written : List.of("teacher/model.bin", "student/metrics.json", "compressed/model.bin",
                "teacher/provenance.json", "student/provenance.json", "compressed/provenance.json",
                "export/model.onnx", "export/model-int8.onnx", "export/tokenizer.json", "report.html")) {
            assertTrue(Files.exists(run.resolve(written)), written + " after deploy/condense " + String.join(" ",
                    args));
        }
        assertTrue(Files.readString(run.resolve("report.html")).contains("<h2>Provenance</h2>"));
    }
}
