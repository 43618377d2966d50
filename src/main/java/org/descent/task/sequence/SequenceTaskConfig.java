package org.descent.task.sequence;

import java.util.Arrays;

/**
 * A sequence task: sequences {@code x_1, …, x_{T+1}} in R^d with {@code x_{t+1} = W x_t + σ ε_t}, ε_t ~ N(0, I_d),
 * W drawn per sequence from {@code transitions}, and the initial token {@code x_1 ~ N(0, diag(s_1², …, s_d²))}.
 * A model sees tokens {@code x_1..x_T} and predicts {@code x_{t+1}} at every position t.
 *
 * @param d token dimension, positive
 * @param length T, the number of tokens a model sees (the sampler also draws x_{T+1}, the last target), at least 3
 * @param transitions the class W is drawn from
 * @param initialScales the standard deviations {@code s_j} of the coordinates of x_1, length d, each positive
 * @param noise σ ≥ 0, the standard deviation of the transition noise
 */
public record SequenceTaskConfig(int d, int length, TransitionClass transitions, double[] initialScales,
        double noise) {

    public SequenceTaskConfig {
        if (d <= 0) {
            throw new IllegalArgumentException("sequence task: d must be positive, got " + d);
        }
        if (length < 3) {
            throw new IllegalArgumentException("sequence task: length must be at least 3, got " + length);
        }
        if (transitions == null) {
            throw new IllegalArgumentException("sequence task: transitions must be given");
        }
        transitions.validate(d);
        if (initialScales == null || initialScales.length != d) {
            throw new IllegalArgumentException("sequence task: initialScales must have d = " + d + " entries, got "
                    + (initialScales == null ? "none" : initialScales.length));
        }
        for (double s : initialScales) {
            if (!(s > 0) || Double.isInfinite(s)) {
                throw new IllegalArgumentException("sequence task: initialScales must be positive and finite, got "
                        + Arrays.toString(initialScales));
            }
        }
        if (!(noise >= 0) || Double.isInfinite(noise)) {
            throw new IllegalArgumentException("sequence task: noise must be finite and >= 0, got " + noise);
        }
        initialScales = initialScales.clone();
    }

    /** x_1 ~ N(0, I_d). */
    public static SequenceTaskConfig isotropic(int d, int length, TransitionClass transitions) {
        double[] s = new double[d];
        Arrays.fill(s, 1.0);
        return new SequenceTaskConfig(d, length, transitions, s, 0.0);
    }

    @Override
    public double[] initialScales() {
        return initialScales.clone();
    }

    /** Whether every coordinate of x_1 has the same scale. */
    public boolean isotropicStart() {
        return Arrays.stream(initialScales).allMatch(s -> s == initialScales[0]);
    }

    /** One-line description for reports. */
    public String describe() {
        return "d = " + d + ", T = " + length + ", W: " + transitions.id() + ", x_1 ~ N(0, diag(s²)) with s = "
                + Arrays.toString(initialScales) + (noise > 0 ? ", noise σ = " + noise : ", no noise");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SequenceTaskConfig c && c.d == d && c.length == length && c.transitions == transitions
                && Arrays.equals(c.initialScales, initialScales) && Double.compare(c.noise, noise) == 0;
    }

    @Override
    public int hashCode() {
        return ((d * 31 + length) * 31 + transitions.hashCode()) * 31 + Arrays.hashCode(initialScales);
    }

    @Override
    public String toString() {
        return "SequenceTaskConfig[" + describe() + "]";
    }
}
