package dev.condense.models.speech;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LogMelFilterbankTest {

    private static final LogMelFilterbank FBANK = LogMelFilterbank.standard16k();

    private static float[] tone(double hz, double seconds) {
        float[] wave = new float[(int) (seconds * 16_000)];
        for (int i = 0; i < wave.length; i++) {
            wave[i] = (float) (0.5 * Math.sin(2 * Math.PI * hz * i / 16_000));
        }
        return wave;
    }

    /** A pure tone's energy lands in the filter whose centre is nearest its frequency, in every frame. */
    @Test
    void aPureTonesEnergyLandsInTheNearestMelBin() {
        double[] centres = FBANK.centreFrequencies();
        for (double hz : new double[] {440.0, 1000.0, 3000.0}) {
            int nearest = 0;
            for (int m = 1; m < centres.length; m++) {
                if (Math.abs(centres[m] - hz) < Math.abs(centres[nearest] - hz)) {
                    nearest = m;
                }
            }
            float[][] features = FBANK.compute(tone(hz, 0.5));
            for (float[] frame : features) {
                int loudest = 0;
                for (int m = 1; m < frame.length; m++) {
                    if (frame[m] > frame[loudest]) {
                        loudest = m;
                    }
                }
                assertTrue(Math.abs(loudest - nearest) <= 1, hz + " Hz: loudest bin " + loudest + " (centre "
                        + centres[loudest] + " Hz), nearest " + nearest + " (" + centres[nearest] + " Hz)");
            }
        }
    }

    /** 1 s at 16 kHz: 1 + (16000 − 400)/160 = 98 frames of 80 bins; silence sits at the energy floor. */
    @Test
    void framesFollowTheWindowAndHopAndSilenceIsTheFloor() {
        assertEquals(98, FBANK.frames(16_000));
        assertEquals(0, FBANK.frames(399));
        float[][] silence = FBANK.compute(new float[16_000]);
        assertEquals(98, silence.length);
        assertEquals(80, silence[0].length);
        assertEquals(Math.log(1e-10), silence[10][40], 1e-4);
        assertThrows(IllegalArgumentException.class, () -> new LogMelFilterbank(16_000, 400, 160, 300, 80));
    }

    /** After per-utterance normalisation every bin has mean 0 and unit variance over the frames. */
    @Test
    void normalisationGivesEachBinZeroMeanAndUnitVariance() {
        float[] wave = tone(700, 1.0);
        java.util.SplittableRandom r = new java.util.SplittableRandom(1);
        for (int i = 0; i < wave.length; i++) {
            wave[i] = (float) (wave[i] * (0.2 + i / 20_000.0) + 0.01 * (r.nextDouble() - 0.5));
        }
        float[][] features = LogMelFilterbank.normalise(FBANK.compute(wave));
        for (int m = 0; m < 80; m += 13) {
            double sum = 0;
            double squares = 0;
            for (float[] frame : features) {
                sum += frame[m];
                squares += frame[m] * frame[m];
            }
            assertEquals(0.0, sum / features.length, 1e-4);
            assertEquals(1.0, squares / features.length, 1e-3);
        }
    }
}
