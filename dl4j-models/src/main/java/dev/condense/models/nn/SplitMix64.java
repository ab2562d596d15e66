package dev.condense.models.nn;

/**
 * SplitMix64's finaliser (Steele, Lea and Flood, 2014): a bijection of 64-bit values in which every input bit moves
 * about half of the output bits. What Condense derives from a seed or a counter with it (dropout masks, the digest of
 * the training rows) is a pure function of its inputs, with no generator state to carry across threads or restarts.
 */
public final class SplitMix64 {

    /** 2^64 divided by the golden ratio: successive multiples of it are spread evenly over the 64-bit values. */
    public static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    private SplitMix64() {
    }

    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
