package dev.condense.spark.train;

import dev.condense.models.encoder.TinyEncoders;
import dev.condense.models.train.TrainingState;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class RoundCheckpointTest {

    private static final TrainingState STATE =
            TrainingState.start(TinyEncoders.randomState(TinyEncoders.spec(), 5), Set.of());

    @Test
    void roundLossesAndStateSurviveTheTripExactly() {
        RoundCheckpoint back = RoundCheckpoint.parse(joined(new RoundCheckpoint(STATE, List.of(0.75, 0.5, 0.4375))));
        assertEquals(List.of(0.75, 0.5, 0.4375), back.roundLosses());
        assertArrayEquals(STATE.toBytes(), back.state().toBytes());
    }

    @Test
    void aPayloadFromBeforeTheLossesWereKeptIsTheStateAlone() {
        RoundCheckpoint back = RoundCheckpoint.parse(STATE.toBytes());
        assertEquals(List.of(), back.roundLosses());
        assertArrayEquals(STATE.toBytes(), back.state().toBytes());
    }

    private static byte[] joined(RoundCheckpoint checkpoint) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : checkpoint.parts()) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
