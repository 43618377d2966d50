package org.descent.task;

/**
 * Derives independent, reproducible seeds for named streams (training batches, test sets, initialisation) from
 * one run seed, so that step k of a run sees the same data whether the run was resumed or not.
 */
public final class Seeds {
    /** Stream of training batches. */
    public static final long TRAIN = 0x7472_6169_6eL;
    /** Stream of the evaluation prompts. */
    public static final long TEST = 0x7465_7374L;
    /** Stream of parameter initialisation. */
    public static final long INIT = 0x696e_6974L;
    /** Stream of Monte-Carlo prompts used by numerical line searches and fits. */
    public static final long SEARCH = 0x7365_6172_6368L;

    private Seeds() {}

    /** A 64-bit seed for element {@code index} of {@code stream} under run seed {@code seed} (SplitMix64 finaliser). */
    public static long derive(long seed, long stream, long index) {
        long z = seed * 0x9E3779B97F4A7C15L + stream * 0xBF58476D1CE4E5B9L + index * 0x94D049BB133111EBL;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
