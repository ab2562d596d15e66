package dev.condense.models.speech;

import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import javax.sound.sampled.UnsupportedAudioFileException;
import java.io.ByteArrayInputStream;
import java.io.IOException;

/**
 * Decodes WAV (and the other formats {@code javax.sound.sampled} reads: AIFF, AU) from bytes into mono
 * {@link Audio}: 8-bit or 16-bit linear PCM, channels averaged. The bytes come from wherever the caller read them
 * (the Hadoop FileSystem on an executor), and {@code source} names them in every error, so a bad clip in a
 * 100,000-file set is found by its path: an empty file, a file that is not audio, one whose data ends before its
 * header says, and encodings other than linear PCM each get their own message.
 */
public final class WavDecoder {

    private WavDecoder() {
    }

    public static Audio decode(byte[] bytes, String source) {
        if (bytes.length == 0) {
            throw new AudioException(source, "is empty (0 bytes)");
        }
        try (AudioInputStream in = AudioSystem.getAudioInputStream(new ByteArrayInputStream(bytes))) {
            AudioFormat format = in.getFormat();
            AudioFormat.Encoding encoding = format.getEncoding();
            int bits = format.getSampleSizeInBits();
            boolean pcm = encoding.equals(AudioFormat.Encoding.PCM_SIGNED)
                    || encoding.equals(AudioFormat.Encoding.PCM_UNSIGNED);
            if (!pcm || (bits != 8 && bits != 16)) {
                throw new AudioException(source, "uses " + encoding + " with " + bits + "-bit samples; only 8- or "
                        + "16-bit linear PCM is supported (convert it, e.g. with sox or ffmpeg)");
            }
            byte[] data = in.readAllBytes();
            int frameSize = format.getFrameSize();
            long announced = in.getFrameLength();
            if (announced != AudioSystem.NOT_SPECIFIED && (long) data.length < announced * frameSize) {
                throw new AudioException(source, "is truncated: its header announces " + announced
                        + " sample frames, its data holds " + data.length / frameSize);
            }
            int frames = data.length / frameSize;
            if (frames == 0) {
                throw new AudioException(source, "holds no samples");
            }
            return new Audio(mono(data, frames, format), Math.round(format.getSampleRate()));
        } catch (UnsupportedAudioFileException e) {
            throw new AudioException(source, "is not a WAV, AIFF or AU audio file (" + e.getMessage() + ")");
        } catch (IOException e) {
            throw new AudioException(source, "cannot be read as audio: " + e.getMessage());
        }
    }

    private static float[] mono(byte[] data, int frames, AudioFormat format) {
        int channels = format.getChannels();
        int bytesPerSample = format.getSampleSizeInBits() / 8;
        boolean bigEndian = format.isBigEndian();
        boolean unsigned = format.getEncoding().equals(AudioFormat.Encoding.PCM_UNSIGNED);
        float[] out = new float[frames];
        for (int f = 0; f < frames; f++) {
            double sum = 0;
            for (int c = 0; c < channels; c++) {
                int at = (f * channels + c) * bytesPerSample;
                sum += bytesPerSample == 1 ? (unsigned ? (data[at] & 0xff) - 128 : data[at]) / 128.0
                        : (short) (bigEndian ? (data[at] << 8) | (data[at + 1] & 0xff)
                        : (data[at + 1] << 8) | (data[at] & 0xff)) / 32768.0;
            }
            out[f] = (float) (sum / channels);
        }
        return out;
    }
}
