package dev.condense.models.prune;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SparsityScheduleTest {

    @Test
    void agpCubicAtKnownSteps() {
        SparsitySchedule agp = new SparsitySchedule(SparsitySchedule.Kind.AGP, 100, 300, 1, 1);
        assertEquals(0.0, agp.sparsity(0.0, 0.8, 50), 1e-12);
        assertEquals(0.0, agp.sparsity(0.0, 0.8, 100), 1e-12);
        // p = 0.5: 0.8·(1 − 0.5³) = 0.7
        assertEquals(0.7, agp.sparsity(0.0, 0.8, 200), 1e-12);
        // p = 0.25: 0.8·(1 − 0.75³) = 0.4625
        assertEquals(0.4625, agp.sparsity(0.0, 0.8, 150), 1e-12);
        assertEquals(0.8, agp.sparsity(0.0, 0.8, 300), 1e-12);
        assertEquals(0.8, agp.sparsity(0.0, 0.8, 1000), 1e-12);
        // from an initial sparsity: s_f + (s_i − s_f)(1 − p)³ = 0.8 − 0.6·0.125
        assertEquals(0.725, agp.sparsity(0.2, 0.8, 200), 1e-12);
    }

    @Test
    void updatesOnlyEveryNSteps() {
        SparsitySchedule agp = new SparsitySchedule(SparsitySchedule.Kind.AGP, 0, 100, 25, 1);
        assertEquals(agp.sparsity(0, 0.8, 50), agp.sparsity(0, 0.8, 74), 0);
        assertEquals(0.8 * (1 - Math.pow(0.25, 3)), agp.sparsity(0, 0.8, 99), 1e-12);
    }

    @Test
    void oneShotLinearAndIterative() {
        assertEquals(0.0, new SparsitySchedule(SparsitySchedule.Kind.ONE_SHOT, 10, 10, 1, 1).fraction(9), 0);
        assertEquals(1.0, new SparsitySchedule(SparsitySchedule.Kind.ONE_SHOT, 10, 10, 1, 1).fraction(10), 0);
        assertEquals(0.3, new SparsitySchedule(SparsitySchedule.Kind.LINEAR, 0, 100, 1, 1).fraction(30), 1e-12);
        SparsitySchedule iterative = new SparsitySchedule(SparsitySchedule.Kind.ITERATIVE, 0, 100, 1, 4);
        assertEquals(0.0, iterative.fraction(24), 0);
        assertEquals(0.25, iterative.fraction(25), 0);
        assertEquals(0.75, iterative.fraction(99), 0);
        assertEquals(1.0, iterative.fraction(100), 0);
    }

    /**
     * The movement-pruning reference's {@code schedule_threshold}, written out as it defines it: the threshold stays
     * at its initial value for {@code initialWarmup·warmupSteps} steps, stays at its final value for the last
     * {@code finalWarmup·warmupSteps}, and moves between them as final + (initial − final)·(1 − progress)³; the
     * penalty is λ·threshold/final. AGP from start-step = the initial warm-up to end-step = total − the final one
     * gives the same kept share (hard movement: threshold = kept share, 1 → 0.1) and the same τ and λ (soft
     * movement: threshold = τ, 0 → 0.1) at every step.
     */
    @Test
    void agpBetweenTheWarmUpsIsTheMovementReferencesThresholdSchedule() {
        long total = 6300;
        long warmupSteps = 540;
        double initialWarmup = 1;
        double finalWarmup = 2;
        SparsitySchedule agp = new SparsitySchedule(SparsitySchedule.Kind.AGP, 540, 6300 - 1080, 1, 1);
        double lambda = 300;
        for (long step : new long[] {1, 539, 540, 541, 1000, 2500, 4000, 5219, 5220, 5221, 6300}) {
            double kept = reference(step, total, warmupSteps, 1.0, 0.1, initialWarmup, finalWarmup);
            assertEquals(kept, 1 - agp.sparsity(0, 0.9, step), 1e-12, "hard movement's kept share at " + step);
            double tau = reference(step, total, warmupSteps, 0.0, 0.1, initialWarmup, finalWarmup);
            assertEquals(tau, 0.1 * agp.fraction(step), 1e-12, "soft movement's threshold at " + step);
            assertEquals(lambda * tau / 0.1, lambda * agp.fraction(step), 1e-9, "soft movement's λ at " + step);
        }
    }

    private static double reference(long step, long totalStep, long warmupSteps, double initialThreshold,
                                    double finalThreshold, double initialWarmup, double finalWarmup) {
        if (step <= initialWarmup * warmupSteps) {
            return initialThreshold;
        }
        if (step > totalStep - finalWarmup * warmupSteps) {
            return finalThreshold;
        }
        double sparsWarmupSteps = initialWarmup * warmupSteps;
        double sparsScheduSteps = (finalWarmup + initialWarmup) * warmupSteps;
        double mulCoeff = 1 - (step - sparsWarmupSteps) / (totalStep - sparsScheduSteps);
        return finalThreshold + (initialThreshold - finalThreshold) * Math.pow(mulCoeff, 3);
    }
}
