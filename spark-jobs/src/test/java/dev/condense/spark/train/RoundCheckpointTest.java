package dev.condense.spark.train;

import dev.condense.models.encoder.TinyEncoders;
import dev.condense.models.train.TrainingState;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class RoundCheckpointTest {

    private static final TrainingState STATE =
            TrainingState.start(TinyEncoders.randomState(TinyEncoders.spec(), 5), Set.of());

    @Test
    void roundLossesAndStateSurviveTheTripExactly() throws IOException {
        RoundCheckpoint back = parse(written(new RoundCheckpoint(STATE, List.of(0.75, 0.5, 0.4375))));
        assertEquals(List.of(0.75, 0.5, 0.4375), back.roundLosses());
        assertArrayEquals(STATE.toBytes(), back.state().toBytes());
    }

    @Test
    void aPayloadFromBeforeTheLossesWereKeptIsTheStateAlone() throws IOException {
        RoundCheckpoint back = parse(STATE.toBytes());
        assertEquals(List.of(), back.roundLosses());
        assertArrayEquals(STATE.toBytes(), back.state().toBytes());
    }

    private static byte[] written(RoundCheckpoint checkpoint) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            checkpoint.writeTo(out);
        }
        return bytes.toByteArray();
    }

    private static RoundCheckpoint parse(byte[] payload) throws IOException {
        return RoundCheckpoint.parse(new DataInputStream(new ByteArrayInputStream(payload)));
    }
}
