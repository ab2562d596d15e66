package dev.condense.models.speech;

import org.jtransforms.fft.DoubleFFT_1D;

import java.util.Arrays;

/**
 * Log-mel filterbank features of a mono waveform, the input of a speech encoder: frames of {@code windowSamples}
 * every {@code hopSamples} (25 ms and 10 ms at 16 kHz), a Hann window, the power spectrum of a zero-padded
 * {@code fftSize}-point FFT (JTransforms), {@code melBins} triangular filters spaced evenly on the HTK mel scale
 * m = 2595·log10(1 + f/700) from 0 Hz to the Nyquist frequency, and the natural log of each filter's energy (floored
 * at 1e-10). {@link #normalise} then gives every bin zero mean and unit variance over the utterance (per-utterance
 * CMVN), which removes the recording's gain and channel colour.
 *
 * @param sampleRate    samples per second
 * @param windowSamples samples per frame
 * @param hopSamples    samples between frame starts
 * @param fftSize       FFT length, a power of two at least the window
 * @param melBins       filters
 */
public record LogMelFilterbank(int sampleRate, int windowSamples, int hopSamples, int fftSize, int melBins) {

    /** The bins of {@link #standard}: what every speech model's front end takes per frame. */
    public static final int STANDARD_BINS = 80;

    private static final double ENERGY_FLOOR = 1e-10;

    /** 80 bins, 25 ms windows every 10 ms, at 16 kHz (512-point FFT). */
    public static LogMelFilterbank standard16k() {
        return standard(16_000);
    }

    /** 80 bins, 25 ms windows every 10 ms, at {@code sampleRate}, with the smallest power-of-two FFT that fits. */
    public static LogMelFilterbank standard(int sampleRate) {
        int window = Math.round(sampleRate * 0.025f);
        return new LogMelFilterbank(sampleRate, window, Math.round(sampleRate * 0.010f),
                Integer.highestOneBit(Math.max(1, window - 1)) << 1, STANDARD_BINS);
    }

    public LogMelFilterbank {
        if (sampleRate <= 0 || windowSamples <= 0 || hopSamples <= 0 || melBins <= 0) {
            throw new IllegalArgumentException("sample rate, window, hop and bins must be > 0");
        }
        if (fftSize < windowSamples || Integer.bitCount(fftSize) != 1) {
            throw new IllegalArgumentException("FFT size " + fftSize + " must be a power of two >= the window "
                    + windowSamples);
        }
        if (melBins > fftSize / 2) {
            throw new IllegalArgumentException(melBins + " mel bins need more than " + fftSize / 2
                    + " FFT bins");
        }
    }

    /** The frames a waveform of {@code samples} gives: 1 + ⌊(samples − window) / hop⌋, or 0 if shorter than a window. */
    public int frames(int samples) {
        return samples < windowSamples ? 0 : 1 + (samples - windowSamples) / hopSamples;
    }

    /** The centre frequency in Hz of each mel filter. */
    public double[] centreFrequencies() {
        double[] edges = melEdgesHz();
        double[] centres = new double[melBins];
        System.arraycopy(edges, 1, centres, 0, melBins);
        return centres;
    }

    /** [frames][melBins] log energies of {@code wave} (samples in [-1, 1]). */
    public float[][] compute(float[] wave) {
        int frames = frames(wave.length);
        double[][] filters = filters();
        double[] window = hann();
        DoubleFFT_1D fft = new DoubleFFT_1D(fftSize);
        float[][] out = new float[frames][melBins];
        double[] buffer = new double[fftSize];
        double[] power = new double[fftSize / 2 + 1];
        for (int f = 0; f < frames; f++) {
            Arrays.fill(buffer, 0);
            int start = f * hopSamples;
            for (int i = 0; i < windowSamples; i++) {
                buffer[i] = wave[start + i] * window[i];
            }
            fft.realForward(buffer);
            // JTransforms packs DC in [0], Nyquist in [1], then (re, im) pairs of bins 1 .. n/2 − 1
            power[0] = buffer[0] * buffer[0];
            power[fftSize / 2] = buffer[1] * buffer[1];
            for (int k = 1; k < fftSize / 2; k++) {
                power[k] = buffer[2 * k] * buffer[2 * k] + buffer[2 * k + 1] * buffer[2 * k + 1];
            }
            for (int m = 0; m < melBins; m++) {
                double energy = 0;
                for (int k = 0; k < power.length; k++) {
                    energy += filters[m][k] * power[k];
                }
                out[f][m] = (float) Math.log(Math.max(energy, ENERGY_FLOOR));
            }
        }
        return out;
    }

    /** Per-utterance CMVN in place: each bin minus its mean over the frames, over its standard deviation. */
    public static float[][] normalise(float[][] features) {
        if (features.length == 0) {
            return features;
        }
        int bins = features[0].length;
        for (int m = 0; m < bins; m++) {
            double sum = 0;
            double squares = 0;
            for (float[] frame : features) {
                sum += frame[m];
                squares += (double) frame[m] * frame[m];
            }
            double mean = sum / features.length;
            double std = Math.sqrt(Math.max(squares / features.length - mean * mean, 0));
            double scale = std > 1e-5 ? 1 / std : 1;
            for (float[] frame : features) {
                frame[m] = (float) ((frame[m] - mean) * scale);
            }
        }
        return features;
    }

    /** Triangular filters over the FFT bins, rising from edge m to m + 1 and falling to m + 2 (in Hz). */
    private double[][] filters() {
        double[] edges = melEdgesHz();
        double[][] filters = new double[melBins][fftSize / 2 + 1];
        for (int m = 0; m < melBins; m++) {
            double left = edges[m];
            double centre = edges[m + 1];
            double right = edges[m + 2];
            for (int k = 0; k <= fftSize / 2; k++) {
                double hz = (double) k * sampleRate / fftSize;
                if (hz > left && hz < right) {
                    filters[m][k] = hz <= centre ? (hz - left) / (centre - left) : (right - hz) / (right - centre);
                }
            }
        }
        return filters;
    }

    /** melBins + 2 edges evenly spaced in mel from 0 Hz to the Nyquist frequency, in Hz. */
    private double[] melEdgesHz() {
        double top = mel(sampleRate / 2.0);
        double[] edges = new double[melBins + 2];
        for (int i = 0; i < edges.length; i++) {
            edges[i] = hz(top * i / (melBins + 1));
        }
        return edges;
    }

    private double[] hann() {
        double[] w = new double[windowSamples];
        for (int i = 0; i < windowSamples; i++) {
            w[i] = 0.5 - 0.5 * Math.cos(2 * Math.PI * i / windowSamples);
        }
        return w;
    }

    static double mel(double hz) {
        return 2595 * Math.log10(1 + hz / 700);
    }

    static double hz(double mel) {
        return 700 * (Math.pow(10, mel / 2595) - 1);
    }
}
