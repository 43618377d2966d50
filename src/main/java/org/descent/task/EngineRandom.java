package org.descent.task;

import ai.djl.ndarray.NDManager;
import java.util.function.Supplier;

/**
 * Draws from the engine's random generator with a fixed seed, atomically. The PyTorch engine has one default generator
 * per process (per device), so a sampler's "seed, then draw" must not interleave with another thread's: trainings that
 * run at the same time (each drawing its batches on a thread of its own) would otherwise take each other's random
 * numbers and no run would be reproducible. Every sampler seeds and draws through {@link #draw}; the lock is held only
 * while the draws run.
 */
public final class EngineRandom {
    /** Guards the process's engine generator from seeding to the last draw of one batch. */
    private static final Object GENERATOR = new Object();

    private EngineRandom() {}

    /**
     * Seeds the engine's generator with {@code seed} (folded to the 31 bits the engine takes) and runs {@code draws},
     * with no other thread seeding or drawing in between.
     */
    public static <T> T draw(NDManager manager, long seed, Supplier<T> draws) {
        synchronized (GENERATOR) {
            manager.getEngine().setRandomSeed((int) (seed ^ (seed >>> 32)) & 0x7fffffff);
            return draws.get();
        }
    }
}
