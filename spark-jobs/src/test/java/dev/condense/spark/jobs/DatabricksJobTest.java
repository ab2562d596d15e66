package dev.condense.spark.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.condense.spark.settings.CondenseSettings;
import dev.condense.spark.settings.SettingsLoader;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code deploy/databricks/condense-job.json} stays runnable as the code changes: its main class and Kryo
 * registrator exist, and its command, config file and overrides pass the same checks a run makes first.
 */
class DatabricksJobTest {

    @Test
    void theJobsCommandAndSettingsAreValid() throws Exception {
        JsonNode job = new ObjectMapper().readTree(Path.of("../deploy/databricks/condense-job.json").toFile());
        JsonNode task = job.path("tasks").get(0).path("spark_jar_task");
        Class<?> main = Class.forName(task.path("main_class_name").asText());
        assertTrue(Modifier.isStatic(main.getMethod("main", String[].class).getModifiers()));
        JsonNode conf = job.path("job_clusters").get(0).path("new_cluster").path("spark_conf");
        Class.forName(conf.path("spark.kryo.registrator").asText());

        List<String> args = new ArrayList<>();
        task.path("parameters").forEach(p -> args.add(p.asText()));
        assertEquals("compress", args.get(0));
        assertEquals("--config", args.get(1));
        CondenseSettings s = SettingsLoader.load(repositoryCopy(args.get(2)), args.get(2),
                args.subList(3, args.size()).stream().map(a -> a.replace("{{job.start_time.iso_date}}", "2026-11-23"))
                        .toList());
        assertEquals("dbfs:/condense/runs/2026-11-23", s.run().directory());
        assertEquals(List.of("finetune", "prune", "shrink"), s.pipeline().stages());
    }

    /** The job's config is conf/ of this repository, uploaded to DBFS under the same name. */
    private static String repositoryCopy(String dbfsPath) throws IOException {
        return Files.readString(Path.of("../conf").resolve(dbfsPath.substring(dbfsPath.lastIndexOf('/') + 1)));
    }
}
