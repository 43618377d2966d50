package org.descent.task;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The in-context regression task a model is trained or probed on: prompt size, input and weight distributions,
 * label noise. Immutable and validated on construction, so an impossible task never reaches a sampler.
 *
 * <p>Dimension glossary: {@code d} input dimension, {@code n} context examples per prompt (N in the papers),
 * {@code D = d + 1} token width, {@code T = n + 1} tokens per prompt (the query is the last token).
 *
 * @param d input dimension, at least 1
 * @param n number of context examples per prompt, at least 1
 * @param inputs input distribution: {@code "uniform"} (x ~ U(-a, a)^d) or {@code "gaussian"} (x ~ N(0, a² I))
 * @param inputScale the {@code a} above: half-width for uniform, standard deviation for gaussian; positive
 * @param noise standard deviation σ of Gaussian label noise, at least 0
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TaskConfig(int d, int n, String inputs, double inputScale, double noise) {

    public static final String UNIFORM = "uniform";
    public static final String GAUSSIAN = "gaussian";

    public TaskConfig {
        if (d <= 0) {
            throw new IllegalArgumentException("task: d must be a positive integer, got " + d);
        }
        if (n <= 0) {
            throw new IllegalArgumentException("task: n (context examples) must be a positive integer, got " + n);
        }
        if (inputs == null) {
            inputs = UNIFORM;
        }
        if (!inputs.equals(UNIFORM) && !inputs.equals(GAUSSIAN)) {
            throw new IllegalArgumentException(
                    "task: inputs must be \"uniform\" or \"gaussian\", got \"" + inputs + "\"");
        }
        if (!(inputScale > 0) || Double.isInfinite(inputScale)) {
            throw new IllegalArgumentException("task: inputScale must be a positive finite number, got " + inputScale);
        }
        if (!(noise >= 0) || Double.isInfinite(noise)) {
            throw new IllegalArgumentException("task: noise must be a finite number >= 0, got " + noise);
        }
    }

    /** The paper default of von Oswald et al. 2023: d = N = 10, x ~ U(-1, 1)^d, w ~ N(0, I), no noise. */
    public static TaskConfig defaults() {
        return new TaskConfig(10, 10, UNIFORM, 1.0, 0.0);
    }

    /** Token width D = d + 1. */
    @JsonIgnore
    public int tokenDim() {
        return d + 1;
    }

    /** Tokens per prompt, N + 1 (context plus query). */
    @JsonIgnore
    public int tokens() {
        return n + 1;
    }

    public TaskConfig withD(int newD) {
        return new TaskConfig(newD, n, inputs, inputScale, noise);
    }

    public TaskConfig withN(int newN) {
        return new TaskConfig(d, newN, inputs, inputScale, noise);
    }

    public TaskConfig withInputs(String newInputs, double newScale) {
        return new TaskConfig(d, n, newInputs, newScale, noise);
    }

    public TaskConfig withNoise(double newNoise) {
        return new TaskConfig(d, n, inputs, inputScale, newNoise);
    }

    /**
     * Per-coordinate moments of an isotropic input distribution: {@code s = E[x_k²]}, {@code κ = E[x_k⁴]/s²}.
     * Gaussian: κ = 3; uniform: κ = 9/5.
     */
    public InputMoments inputMoments() {
        double a = inputScale;
        return inputs.equals(GAUSSIAN) ? new InputMoments(a * a, 3.0) : new InputMoments(a * a / 3.0, 9.0 / 5.0);
    }

    /**
     * Moments of an isotropic input coordinate.
     *
     * @param secondMoment s = E[x_k²]
     * @param kurtosis κ = E[x_k⁴] / s²
     */
    public record InputMoments(double secondMoment, double kurtosis) {}
}
