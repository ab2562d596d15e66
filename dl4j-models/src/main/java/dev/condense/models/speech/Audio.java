package dev.condense.models.speech;

/**
 * A decoded mono waveform: samples in [-1, 1] at {@code sampleRate} per second.
 */
public record Audio(float[] samples, int sampleRate) {

    public Audio {
        if (sampleRate <= 0) {
            throw new IllegalArgumentException("sample rate must be > 0, got " + sampleRate);
        }
    }

    public double seconds() {
        return (double) samples.length / sampleRate;
    }

    /**
     * This waveform at {@code targetRate}, by band-limited interpolation: each output sample is a Hann-windowed sinc
     * sum of the input around its position, with the cut-off at the lower of the two Nyquist frequencies, so that
     * downsampling does not alias (FSDD's 8 kHz and LJSpeech's 22.05 kHz both become 16 kHz).
     */
    public Audio resample(int targetRate) {
        if (targetRate == sampleRate) {
            return this;
        }
        if (targetRate <= 0) {
            throw new IllegalArgumentException("target rate must be > 0, got " + targetRate);
        }
        double ratio = (double) targetRate / sampleRate;
        double cutoff = Math.min(1.0, ratio);
        int halfWidth = (int) Math.ceil(16 / cutoff);
        int n = (int) Math.floor(samples.length * ratio);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            double position = i / ratio;
            int centre = (int) Math.floor(position);
            double sum = 0;
            for (int j = centre - halfWidth + 1; j <= centre + halfWidth; j++) {
                if (j < 0 || j >= samples.length) {
                    continue;
                }
                double x = position - j;
                double window = 0.5 + 0.5 * Math.cos(Math.PI * x / halfWidth);
                sum += samples[j] * cutoff * sinc(cutoff * x) * window;
            }
            out[i] = (float) sum;
        }
        return new Audio(out, targetRate);
    }

    private static double sinc(double x) {
        return x == 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
    }
}
