package dev.condense.models.speech;

import org.junit.jupiter.api.Test;

import javax.sound.sampled.AudioFileFormat;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WavDecoderTest {

    private static final String PATH = "hdfs:///clips/0_george_10.wav";

    /** A 16-bit little-endian WAV of {@code samples} (in [-1, 1]) at {@code rate}, with {@code channels} copies. */
    private static byte[] wav(float[] samples, int rate, int channels, AudioFormat.Encoding encoding)
            throws Exception {
        AudioFormat pcm = new AudioFormat(rate, 16, channels, true, false);
        byte[] data = new byte[samples.length * 2 * channels];
        for (int i = 0; i < samples.length; i++) {
            short v = (short) Math.round(samples[i] * 32767);
            for (int c = 0; c < channels; c++) {
                data[(i * channels + c) * 2] = (byte) v;
                data[(i * channels + c) * 2 + 1] = (byte) (v >> 8);
            }
        }
        AudioInputStream stream = new AudioInputStream(new ByteArrayInputStream(data), pcm, samples.length);
        if (!encoding.equals(AudioFormat.Encoding.PCM_SIGNED)) {
            stream = AudioSystem.getAudioInputStream(encoding, stream);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        AudioSystem.write(stream, AudioFileFormat.Type.WAVE, out);
        return out.toByteArray();
    }

    private static float[] tone(double hz, int rate, int n) {
        float[] wave = new float[n];
        for (int i = 0; i < n; i++) {
            wave[i] = (float) (0.5 * Math.sin(2 * Math.PI * hz * i / rate));
        }
        return wave;
    }

    @Test
    void monoAndStereoPcmDecodeToTheSamples() throws Exception {
        float[] wave = tone(440, 8_000, 800);
        for (int channels : new int[] {1, 2}) {
            Audio audio = WavDecoder.decode(wav(wave, 8_000, channels, AudioFormat.Encoding.PCM_SIGNED), PATH);
            assertEquals(8_000, audio.sampleRate());
            assertEquals(800, audio.samples().length);
            for (int i = 0; i < wave.length; i++) {
                assertEquals(wave[i], audio.samples()[i], 1.0 / 32768, "sample " + i);
            }
        }
    }

    /** A real Speech Commands clip: one second of 16 kHz mono 16-bit PCM. */
    @Test
    void aRealSpeechCommandsClipDecodes() throws Exception {
        java.nio.file.Path clip = java.nio.file.Path.of("../data-samples/speech-commands/yes/439c84f4_nohash_1.wav");
        Audio audio = WavDecoder.decode(java.nio.file.Files.readAllBytes(clip), clip.toString());
        assertEquals(16_000, audio.sampleRate());
        assertEquals(16_000, audio.samples().length);
        double peak = 0;
        for (float v : audio.samples()) {
            peak = Math.max(peak, Math.abs(v));
        }
        assertTrue(peak > 0.05 && peak <= 1.0, "a spoken word, peak " + peak);
        assertEquals(98, LogMelFilterbank.standard16k().compute(audio.samples()).length);
    }

    /** Each kind of bad clip gets its own message, which starts with the clip's path. */
    @Test
    void badClipsNameTheFileAndTheProblem() throws Exception {
        byte[] good = wav(tone(440, 8_000, 800), 8_000, 1, AudioFormat.Encoding.PCM_SIGNED);
        assertProblem(new byte[0], "is empty (0 bytes)");
        assertProblem("id\ttext\n1\thello\n".getBytes(StandardCharsets.UTF_8), "is not a WAV, AIFF or AU audio file");
        assertProblem(Arrays.copyOf(good, good.length - 600), "is truncated: its header announces 800 sample frames,"
                + " its data holds 500");
        assertProblem(wav(tone(440, 8_000, 800), 8_000, 1, AudioFormat.Encoding.ULAW), "uses ULAW with 8-bit samples");
        byte[] header = Arrays.copyOf(good, 44);
        assertProblem(header, "is truncated");
    }

    private static void assertProblem(byte[] bytes, String problem) {
        AudioException e = assertThrows(AudioException.class, () -> WavDecoder.decode(bytes, PATH));
        assertTrue(e.getMessage().startsWith(PATH + " " + problem), e.getMessage());
    }

    /** FSDD's 8 kHz to 16 kHz: twice the samples, and the same tone as sampled directly at 16 kHz. */
    @Test
    void resamplingKeepsTheToneAtTheNewRate() {
        Audio low = new Audio(tone(440, 8_000, 4_000), 8_000);
        Audio high = low.resample(16_000);
        assertEquals(8_000, high.samples().length);
        float[] direct = tone(440, 16_000, 8_000);
        for (int i = 200; i < 7_800; i++) {
            assertEquals(direct[i], high.samples()[i], 0.01, "sample " + i);
        }
        Audio down = high.resample(8_000);
        for (int i = 100; i < 3_900; i++) {
            assertEquals(low.samples()[i], down.samples()[i], 0.01, "sample " + i);
        }
        assertEquals(0.5, high.seconds(), 1e-9);
    }
}
