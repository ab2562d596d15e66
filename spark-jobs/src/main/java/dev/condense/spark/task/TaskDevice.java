package dev.condense.spark.task;

import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;
import java.util.OptionalInt;

/**
 * Puts the running task's ND4J work on the GPU Spark assigned to that task ({@code spark.task.resource.gpu.amount
 * = 1}), so tasks sharing a multi-GPU executor never share a device and each uses the one the scheduler accounts
 * for. A no-op on the CPU backend and for tasks without a GPU, so the CPU path does not change.
 *
 * <p>Untested on a GPU: the development and CI machines have none. {@link #assigned} is tested.
 */
public final class TaskDevice {

    static final String GPU = "gpu";

    private TaskDevice() {
    }

    /** Binds this thread to the task's GPU when running on the CUDA backend inside a Spark task with one. */
    public static void bind() {
        TaskContext task = TaskContext.get();
        if (task == null || Nd4j.getEnvironment().isCPU()) {
            return;
        }
        assigned(task.resourcesJMap()).ifPresent(device -> Nd4j.getAffinityManager().unsafeSetDevice(device));
    }

    /** The first GPU address among a task's resources, as ND4J's device index. */
    static OptionalInt assigned(Map<String, ResourceInformation> resources) {
        ResourceInformation gpus = resources.get(GPU);
        if (gpus == null || gpus.addresses().length == 0) {
            return OptionalInt.empty();
        }
        String address = gpus.addresses()[0];
        try {
            return OptionalInt.of(Integer.parseInt(address.strip()));
        } catch (NumberFormatException e) {
            throw new IllegalStateException("GPU address '" + address + "' from the discovery script is not a device "
                    + "index; the script must print CUDA device numbers (see deploy/gpu/discover-gpus)", e);
        }
    }
}
