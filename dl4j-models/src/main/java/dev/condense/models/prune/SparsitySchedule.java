package dev.condense.models.prune;

import java.io.Serializable;

/**
 * How far along the way to its target sparsity pruning is at a given optimizer step: a fraction f in [0, 1], and a
 * group's sparsity is initial·(1 − f) + target·f.
 * <ul>
 *   <li>{@code ONE_SHOT}: 0 before {@code start}, 1 from it on;</li>
 *   <li>{@code LINEAR}: p = (t − start)/(end − start), clamped to [0, 1];</li>
 *   <li>{@code AGP}: Zhu and Gupta's cubic, 1 − (1 − p)³: prune fast while many weights are redundant, slowly near
 *       the target;</li>
 *   <li>{@code ITERATIVE}: {@code iterations} equal steps, each followed by retraining until the next:
 *       ⌊p·iterations⌋/iterations.</li>
 * </ul>
 * The step is first rounded down to a multiple of {@code every} (masks change only every N steps).
 */
public record SparsitySchedule(Kind kind, long start, long end, long every, int iterations) implements Serializable {

    public enum Kind { ONE_SHOT, LINEAR, AGP, ITERATIVE }

    public SparsitySchedule {
        if (start < 0 || end < start || every < 1 || iterations < 1) {
            throw new IllegalArgumentException("need 0 <= start <= end, every >= 1, iterations >= 1; got start="
                    + start + " end=" + end + " every=" + every + " iterations=" + iterations);
        }
    }

    public double fraction(long step) {
        long t = step / every * every;
        if (t < start) {
            return 0;
        }
        if (kind == Kind.ONE_SHOT || end == start) {
            return 1;
        }
        double p = Math.min(1.0, (double) (t - start) / (end - start));
        return switch (kind) {
            case LINEAR -> p;
            case AGP -> 1 - Math.pow(1 - p, 3);
            case ITERATIVE -> Math.floor(p * iterations) / iterations;
            case ONE_SHOT -> 1;
        };
    }

    public double sparsity(double initial, double target, long step) {
        double f = fraction(step);
        return initial * (1 - f) + target * f;
    }
}
