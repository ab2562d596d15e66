package dev.condense.models.speech;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FlacDecoderTest {

    private static final Path LIBRISPEECH = Path.of(
            "../data-samples/transcribed/LibriSpeech/test-clean/1089/134686/1089-134686-0001.flac");
    private static final Path LJSPEECH = Path.of("../data-samples/transcribed/ljspeech/wavs/LJ001-0002.flac");
    /** STREAMINFO's MD5 of the unencoded samples sits after "fLaC", the block header and 18 bytes of the block. */
    private static final int MD5_OFFSET = 4 + 4 + 18;

    /**
     * The encoder stored an MD5 of the original 16-bit samples in the file; the decoded samples, written back as
     * 16-bit little-endian PCM, must hash to it. That checks every sample against the source without a second
     * decoder.
     */
    @Test
    void realLibriSpeechAndLjSpeechClipsDecodeToTheirRecordedChecksum() throws Exception {
        for (Path clip : new Path[] {LIBRISPEECH, LJSPEECH}) {
            byte[] bytes = Files.readAllBytes(clip);
            Audio audio = FlacDecoder.decode(bytes, clip.toString());
            byte[] pcm = new byte[audio.samples().length * 2];
            for (int i = 0; i < audio.samples().length; i++) {
                int v = Math.round(audio.samples()[i] * 32768);
                pcm[2 * i] = (byte) v;
                pcm[2 * i + 1] = (byte) (v >> 8);
            }
            assertArrayEquals(Arrays.copyOfRange(bytes, MD5_OFFSET, MD5_OFFSET + 16),
                    MessageDigest.getInstance("MD5").digest(pcm), clip.toString());
        }
        assertEquals(16_000, FlacDecoder.decode(Files.readAllBytes(LIBRISPEECH), "l").sampleRate());
        assertEquals(52_400, FlacDecoder.decode(Files.readAllBytes(LIBRISPEECH), "l").samples().length);
        assertEquals(22_050, FlacDecoder.decode(Files.readAllBytes(LJSPEECH), "j").sampleRate());
    }

    @Test
    void theAudioDecoderTellsFlacFromWavByItsBytes() throws Exception {
        assertEquals(16_000, AudioDecoder.decode(Files.readAllBytes(LIBRISPEECH), "a.wav").sampleRate());
        Path wav = Path.of("../data-samples/speech-commands/yes/439c84f4_nohash_1.wav");
        assertEquals(16_000, AudioDecoder.decode(Files.readAllBytes(wav), "b.flac").samples().length);
    }

    @Test
    void aFlacStreamThatStopsEarlyIsTruncated() throws Exception {
        byte[] bytes = Files.readAllBytes(LIBRISPEECH);
        AudioException e = assertThrows(AudioException.class,
                () -> FlacDecoder.decode(Arrays.copyOf(bytes, 20_000), "hdfs:///asr/1089-134686-0001.flac"));
        assertTrue(e.getMessage().startsWith("hdfs:///asr/1089-134686-0001.flac is truncated: its header announces "
                + "52400 sample frames"), e.getMessage());
        AudioException header = assertThrows(AudioException.class,
                () -> FlacDecoder.decode(Arrays.copyOf(bytes, 30), "x.flac"));
        assertEquals("x.flac is truncated: it ends inside its FLAC metadata", header.getMessage());
    }

    @Test
    void aDamagedFrameFailsItsChecksum() throws Exception {
        byte[] bytes = Files.readAllBytes(LIBRISPEECH);
        for (int i = bytes.length / 2; i < bytes.length / 2 + 200; i++) {
            bytes[i] ^= 0x5a;
        }
        AudioException e = assertThrows(AudioException.class, () -> FlacDecoder.decode(bytes, "x.flac"));
        assertTrue(e.getMessage().startsWith("x.flac is corrupt: "), e.getMessage());
    }

    /** STREAMINFO's bits per sample (5 bits, stored minus one) straddle bytes 20 and 21; 8-bit is not supported. */
    @Test
    void anUnsupportedSampleSizeIsNamed() throws Exception {
        byte[] bytes = Files.readAllBytes(LIBRISPEECH);
        bytes[21] = (byte) ((bytes[21] & 0x0f) | 0x70);
        AudioException e = assertThrows(AudioException.class, () -> FlacDecoder.decode(bytes, "x.flac"));
        assertTrue(e.getMessage().startsWith("x.flac uses 8-bit FLAC samples; only 16- or 24-bit"), e.getMessage());
    }

    /** Empty, not audio, and a FLAC marker with nothing after it: each names the file. */
    @Test
    void emptyAndNonAudioBytesAreNamed() {
        assertEquals("a.flac is empty (0 bytes)",
                assertThrows(AudioException.class, () -> AudioDecoder.decode(new byte[0], "a.flac")).getMessage());
        String notAudio = assertThrows(AudioException.class, () -> AudioDecoder.decode(
                "id|text\n".getBytes(StandardCharsets.UTF_8), "b.flac")).getMessage();
        assertTrue(notAudio.startsWith("b.flac is not a WAV, AIFF or AU audio file"), notAudio);
        String marker = assertThrows(AudioException.class, () -> AudioDecoder.decode(
                "fLaC".getBytes(StandardCharsets.US_ASCII), "c.flac")).getMessage();
        assertTrue(marker.startsWith("c.flac is truncated"), marker);
    }
}
