package dev.condense.spark.train;

import java.time.Duration;

/**
 * Formats the one line printed after each round: where we are, the loss, the throughput, the share of the round
 * spent outside the slowest replica's local steps (broadcast, averaging, checkpoint: what parameter averaging costs),
 * the peak resident memory of the fullest training JVM, and the time left.
 */
final class RoundProgress {

    private final String stage;
    private final int rounds;
    private final long startNanos;
    private final int firstRound;

    RoundProgress(String stage, int rounds, int firstRound, long startNanos) {
        this.stage = stage;
        this.rounds = rounds;
        this.firstRound = firstRound;
        this.startNanos = startNanos;
    }

    String line(int round, RoundAverage average, double roundSeconds, long nowNanos) {
        double elapsed = (nowNanos - startNanos) / 1e9;
        int done = round + 1 - firstRound;
        double eta = done == 0 ? 0 : elapsed / done * (rounds - round - 1);
        double trainingSeconds = average.slowestTrainingSeconds();
        double sync = roundSeconds <= 0 ? 0 : Math.max(0, 1 - trainingSeconds / roundSeconds);
        String memory = average.peakResidentBytes() > 0
                ? String.format("  peak resident %.1f GB", average.peakResidentBytes() / 1e9) : "";
        return String.format("%s round %d/%d  loss %.4f  %,.0f examples/s  sync %.1f%%%s  elapsed %s  ETA %s", stage,
                round + 1, rounds, average.meanLoss(), average.examples() / Math.max(roundSeconds, 1e-9), 100 * sync,
                memory, format(elapsed), format(eta));
    }

    static String format(double seconds) {
        Duration d = Duration.ofMillis(Math.round(seconds * 1000));
        return d.toHours() > 0 ? String.format("%dh%02dm%02ds", d.toHours(), d.toMinutesPart(), d.toSecondsPart())
                : String.format("%dm%02ds", d.toMinutesPart(), d.toSecondsPart());
    }
}
