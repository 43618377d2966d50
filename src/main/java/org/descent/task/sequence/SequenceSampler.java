package org.descent.task.sequence;

import java.util.Random;

/**
 * Draws sequences of a {@link SequenceTaskConfig}. A draw is a pure function of (task, count, seed): one
 * {@link java.util.Random} (algorithm fixed by the Java specification) seeded with {@code seed} draws, sequence by
 * sequence, W, then x_1, then the noise of each transition, so the numbers are the same on every JVM and machine.
 */
public final class SequenceSampler {
    private final SequenceTaskConfig task;

    public SequenceSampler(SequenceTaskConfig task) {
        this.task = task;
    }

    public SequenceTaskConfig task() {
        return task;
    }

    /** {@code count} sequences drawn from {@code seed}. */
    public SequenceSet sample(int count, long seed) {
        if (count <= 0) {
            throw new IllegalArgumentException("sequence sampler: count must be positive, got " + count);
        }
        int d = task.d();
        int len = task.length() + 1;
        double[] scales = task.initialScales();
        double noise = task.noise();
        double[] tokens = new double[count * len * d];
        double[] transitions = new double[count * d * d];
        Random rng = new Random(seed);
        for (int b = 0; b < count; b++) {
            double[] w = task.transitions().sample(d, rng);
            System.arraycopy(w, 0, transitions, b * d * d, d * d);
            int base = b * len * d;
            for (int j = 0; j < d; j++) {
                tokens[base + j] = scales[j] * rng.nextGaussian();
            }
            for (int t = 1; t < len; t++) {
                int prev = base + (t - 1) * d;
                int cur = base + t * d;
                for (int i = 0; i < d; i++) {
                    double v = 0;
                    for (int j = 0; j < d; j++) {
                        v += w[i * d + j] * tokens[prev + j];
                    }
                    tokens[cur + i] = noise > 0 ? v + noise * rng.nextGaussian() : v;
                }
            }
        }
        return new SequenceSet(d, task.length(), tokens, transitions);
    }
}
