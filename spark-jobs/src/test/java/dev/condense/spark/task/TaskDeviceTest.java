package dev.condense.spark.task;

import org.apache.spark.resource.ResourceInformation;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TaskDeviceTest {

    @Test
    void aTasksFirstGpuAddressIsItsDevice() {
        assertEquals(OptionalInt.of(3), TaskDevice.assigned(Map.of("gpu",
                new ResourceInformation("gpu", new String[] {"3", "5"}))));
        assertEquals(OptionalInt.empty(), TaskDevice.assigned(Map.of()));
        assertEquals(OptionalInt.empty(), TaskDevice.assigned(Map.of("fpga",
                new ResourceInformation("fpga", new String[] {"0"}))));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> TaskDevice.assigned(
                Map.of("gpu", new ResourceInformation("gpu", new String[] {"GPU-6f2c"}))));
        assertTrue(e.getMessage().contains("'GPU-6f2c'"), e.getMessage());
    }
}
