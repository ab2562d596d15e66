package dev.condense.models.speech;

import org.jflac.FLACDecoder;
import org.jflac.PCMProcessor;
import org.jflac.metadata.StreamInfo;
import org.jflac.util.ByteData;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;

/**
 * Decodes FLAC (LibriSpeech, LJSpeech) from bytes into mono {@link Audio} with jFLAC: 16- or 24-bit samples,
 * channels averaged. jFLAC itself neither fails on a stream that stops early nor on a frame whose checksum does not
 * match (it skips the frame and counts it), so both are checked here against the STREAMINFO block: a clip that
 * decodes to fewer samples than its header announces is truncated, one with skipped frames is corrupt. As with
 * {@link WavDecoder}, {@code source} starts every message.
 */
public final class FlacDecoder {

    private static final byte[] MAGIC = {'f', 'L', 'a', 'C'};

    private FlacDecoder() {
    }

    /** Whether the bytes start with FLAC's stream marker. */
    public static boolean isFlac(byte[] bytes) {
        if (bytes.length < MAGIC.length) {
            return false;
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (bytes[i] != MAGIC[i]) {
                return false;
            }
        }
        return true;
    }

    public static Audio decode(byte[] bytes, String source) {
        if (!isFlac(bytes)) {
            throw new AudioException(source, "is not a FLAC stream (it does not start with 'fLaC')");
        }
        FLACDecoder decoder = new FLACDecoder(new ByteArrayInputStream(bytes));
        StreamInfo info;
        try {
            decoder.readMetadata();
            info = decoder.getStreamInfo();
        } catch (EOFException e) {
            throw new AudioException(source, "is truncated: it ends inside its FLAC metadata");
        } catch (IOException | RuntimeException e) {
            throw new AudioException(source, "has corrupt FLAC metadata: " + e);
        }
        if (info == null) {
            throw new AudioException(source, "has no FLAC STREAMINFO block");
        }
        int bits = info.getBitsPerSample();
        if (bits != 16 && bits != 24) {
            throw new AudioException(source, "uses " + bits + "-bit FLAC samples; only 16- or 24-bit FLAC is "
                    + "supported (convert it, e.g. with sox or ffmpeg)");
        }
        Pcm pcm = new Pcm();
        decoder.addPCMProcessor(pcm);
        try {
            decoder.decodeFrames();
        } catch (IOException | RuntimeException e) {
            throw new AudioException(source, "has a corrupt FLAC frame: " + e);
        }
        if (decoder.getBadFrames() > 0) {
            throw new AudioException(source, "is corrupt: " + decoder.getBadFrames() + " FLAC frame(s) failed their "
                    + "checksum");
        }
        int channels = info.getChannels();
        int bytesPerFrame = channels * bits / 8;
        long frames = pcm.out.size() / bytesPerFrame;
        long announced = info.getTotalSamples();
        if (announced > 0 && frames < announced) {
            throw new AudioException(source, "is truncated: its header announces " + announced
                    + " sample frames, its data holds " + frames);
        }
        if (frames == 0) {
            throw new AudioException(source, "holds no samples");
        }
        return new Audio(mono(pcm.out.toByteArray(), (int) frames, channels, bits / 8), info.getSampleRate());
    }

    /** Little-endian signed PCM, interleaved, as jFLAC writes it. */
    private static float[] mono(byte[] data, int frames, int channels, int bytesPerSample) {
        double fullScale = bytesPerSample == 2 ? 32768.0 : 8388608.0;
        float[] out = new float[frames];
        for (int f = 0; f < frames; f++) {
            double sum = 0;
            for (int c = 0; c < channels; c++) {
                int at = (f * channels + c) * bytesPerSample;
                int value = data[at + bytesPerSample - 1];
                for (int b = bytesPerSample - 2; b >= 0; b--) {
                    value = (value << 8) | (data[at + b] & 0xff);
                }
                sum += value / fullScale;
            }
            out[f] = (float) (sum / channels);
        }
        return out;
    }

    /** Collects the decoded PCM; jFLAC reuses its buffer between frames, so each frame is copied out. */
    private static final class Pcm implements PCMProcessor {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        @Override
        public void processStreamInfo(StreamInfo info) {
        }

        @Override
        public void processPCM(ByteData data) {
            out.write(data.getData(), 0, data.getLen());
        }
    }
}
