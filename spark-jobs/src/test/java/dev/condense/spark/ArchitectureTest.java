package dev.condense.spark;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.EvaluationResult;
import dev.condense.models.LayeredPackages;
import dev.condense.spark.io.PlantedUpwardImport;
import dev.condense.spark.pipeline.PruneJob;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * spark-jobs in floors, top first: the command line; the notebook API; the pipeline's stages and the session
 * set-up; the run report; the distributed trainer and evaluator; what runs inside a task; what a run holds on disk
 * (its layout, models, metrics); the data sets; files and checkpoints through the Hadoop FileSystem API; settings.
 */
class ArchitectureTest {

    static final LayeredPackages FLOORS = new LayeredPackages("dev.condense.spark", List.of(
            List.of("jobs"),
            List.of("ml"),
            List.of("pipeline", "session"),
            List.of("report"),
            List.of("train", "eval"),
            List.of("task"),
            List.of("run"),
            List.of("data"),
            List.of("io"),
            List.of("settings")));

    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.condense.spark");

    @Test
    void everyImportPointsDown() {
        FLOORS.importsPointDown().check(MAIN);
    }

    @Test
    void everyPackageHasItsFloor() {
        assertTrue(MAIN.size() > 50, "classes imported: " + MAIN.size());
        assertEquals(Set.of(), FLOORS.unplaced(MAIN));
    }

    /** The rule is not vacuous: a class in io that uses a pipeline stage is caught, and named. */
    @Test
    void aPlantedUpwardImportFails() {
        EvaluationResult result = FLOORS.importsPointDown()
                .evaluate(new ClassFileImporter().importClasses(PlantedUpwardImport.class, PruneJob.class));
        assertTrue(result.hasViolation());
        String report = String.join("\n", result.getFailureReport().getDetails());
        assertTrue(report.contains(PlantedUpwardImport.class.getName()) && report.contains("PruneJob"), report);
        assertFalse(FLOORS.importsPointDown().evaluate(new ClassFileImporter().importClasses(PruneJob.class))
                .hasViolation());
    }
}
