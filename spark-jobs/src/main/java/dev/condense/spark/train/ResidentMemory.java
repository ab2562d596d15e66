package dev.condense.spark.train;

import org.bytedeco.javacpp.Pointer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * How much memory this JVM holds: heap, native ND4J buffers and workspaces, and everything else a process maps. The
 * JVM's own counters see only the heap, and most of a training run's memory is native, so this asks the kernel.
 */
final class ResidentMemory {

    private static final Path STATUS = Path.of("/proc/self/status");

    private ResidentMemory() {
    }

    /**
     * The process's peak resident set (VmHWM) in bytes where the kernel reports it (Linux), else the current one as
     * JavaCPP measures it.
     */
    static long peakBytes() {
        try {
            List<String> lines = Files.readAllLines(STATUS);
            for (String line : lines) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or a kernel without the field: fall through
        }
        return Pointer.physicalBytes();
    }
}
