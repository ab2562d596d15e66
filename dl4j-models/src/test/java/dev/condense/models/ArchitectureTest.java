package dev.condense.models;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.EvaluationResult;
import dev.condense.models.nn.PlantedUpwardImport;
import dev.condense.models.train.LocalTrainer;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * dl4j-models in floors, top first (DESIGN.md): what a model is made of at the bottom (weights and their recipe,
 * numerical kernels), then the encoder, the raw inputs it reads, training, evaluation (which reports the training
 * losses on the dev set, so it sits above them), pruning and distillation, and at the top what turns a trained
 * model into another (factorise, shrink, export) or loads one (pretrained). And no Spark anywhere.
 */
class ArchitectureTest {

    static final LayeredPackages FLOORS = new LayeredPackages("dev.condense.models", List.of(
            List.of("export", "factor", "pretrained", "shrink"),
            List.of("prune", "distill"),
            List.of("eval"),
            List.of("train"),
            List.of("text", "speech", "onnx"),
            List.of("encoder"),
            List.of("nn", "state")));

    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.condense.models");

    @Test
    void everyImportPointsDown() {
        FLOORS.importsPointDown().check(MAIN);
    }

    @Test
    void everyPackageHasItsFloor() {
        assertTrue(MAIN.size() > 100, "classes imported: " + MAIN.size());
        assertEquals(Set.of(), FLOORS.unplaced(MAIN));
    }

    @Test
    void nothingUsesSpark() {
        noClasses().should().dependOnClassesThat().resideInAPackage("org.apache.spark..").check(MAIN);
    }

    /** The rule is not vacuous: one class in nn that uses the training loop is caught, and named. */
    @Test
    void aPlantedUpwardImportFails() {
        JavaClasses planted = new ClassFileImporter().importClasses(PlantedUpwardImport.class, LocalTrainer.class);
        EvaluationResult result = FLOORS.importsPointDown().evaluate(planted);
        assertTrue(result.hasViolation());
        String report = String.join("\n", result.getFailureReport().getDetails());
        assertTrue(report.contains(PlantedUpwardImport.class.getName()) && report.contains("LocalTrainer"), report);
        assertFalse(FLOORS.importsPointDown().evaluate(new ClassFileImporter().importClasses(LocalTrainer.class))
                .hasViolation());
    }
}
