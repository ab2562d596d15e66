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
}
