package org.descent.model.gpt2;

import ai.djl.ndarray.NDArray;

/**
 * What a looped GPT-2 ({@link LoopedGpt2}) feeds its backbone in iteration t, from the previous iterate
 * {@code z [B, T, E]} and the read-in of the prompt {@code e [B, T, E]}. Yang et al.'s looped transformer uses
 * {@link #always() input injection} ({@code z + e} in every iteration, so every iterate sees the prompt and a fixed
 * point depends on it); {@link #until(int)} drops the injection after a number of iterations, the control that shows
 * what the injection is for.
 */
public interface LoopInjection {

    /**
     * The backbone's input in iteration {@code t} (1-based) {@code [B, T, E]}.
     *
     * @param z the previous iterate (zeros before iteration 1)
     * @param e the read-in of the prompt
     */
    NDArray input(int t, NDArray z, NDArray e);

    /** Display name. */
    String name();

    /** {@code z + e} in every iteration (Yang et al.'s {@code z = f(x + z)}). */
    static LoopInjection always() {
        return new LoopInjection() {
            @Override
            public NDArray input(int t, NDArray z, NDArray e) {
                return z.add(e);
            }

            @Override
            public String name() {
                return "input injection";
            }
        };
    }

    /** {@code z + e} in iterations 1..{@code loops}, then {@code z} alone: the prompt is no longer injected. */
    static LoopInjection until(int loops) {
        if (loops < 1) {
            throw new IllegalArgumentException("loop injection: loops must be at least 1, got " + loops);
        }
        return new LoopInjection() {
            @Override
            public NDArray input(int t, NDArray z, NDArray e) {
                return t <= loops ? z.add(e) : z;
            }

            @Override
            public String name() {
                return "input injection until iteration " + loops;
            }
        };
    }
}
