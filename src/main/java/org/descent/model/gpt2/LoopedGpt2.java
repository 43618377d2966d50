package org.descent.model.gpt2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The forward pass of a looped GPT-2 in-context regressor ({@link LoopedGpt2Config}; Yang et al. 2023): one
 * weight-tied backbone ({@link Gpt2Transformer#block} for each of its blocks, then the final LayerNorm) applied again
 * and again to its own output plus the read-in of the prompt, with the read-out after every iteration. Pure functions
 * of the token input and the parameters by GPT-2's canonical names ({@link Gpt2Parameters} of
 * {@code config.backbone()}); the dtype and device are the parameters'.
 *
 * <p>Dimension glossary: {@code B} prompts, {@code T} tokens (at most P), {@code W} input token width, {@code E} model
 * width, {@code L} blocks per iteration, {@code b} trained iterations, {@code t} an iteration (1-based).
 *
 * <pre>
 *   e   = tokens W_inᵀ + b_in                                   [B, T, E]   read-in of the prompt (no positions)
 *   z₀  = 0                                                     [B, T, E]
 *   z_t = LN_f(Blocks(inject(z_{t−1}, e) + wpe[:T]))            [B, T, E]   inject = z + e (input injection)
 *   ŷ_t = z_t W_outᵀ + b_out                                    [B, T]      read-out after iteration t
 * </pre>
 * Positions are added and LN_f applied in every iteration, as in the authors' code (the backbone is a whole GPT-2
 * model called once per iteration). Training ({@link #outputs} with {@code firstWithGradient} = b−T+1) differentiates
 * only the last T iterations: the iterate before them is detached ({@link NDArray#stopGradient}), as the authors run
 * the first b−T iterations under {@code torch.no_grad()}; the read-in {@code e} is differentiated in every
 * differentiated iteration.
 */
public final class LoopedGpt2 {
    private LoopedGpt2() {}

    /**
     * The read-outs after iterations {@code from..loops} ({@code loops − from + 1} arrays {@code [B, T]}).
     *
     * @param tokens the prompt's tokens {@code [B, T, W]}
     * @param loops iterations to run (may exceed the trained b: extrapolation)
     * @param from the first iteration whose read-out is returned, 1 ≤ from ≤ loops
     * @param firstWithGradient iterations before it run on a detached iterate (1: differentiate all)
     * @param injection what the backbone is fed ({@link LoopInjection#always()} for Yang et al.'s model)
     */
    public static List<NDArray> outputs(LoopedGpt2Config config, Map<String, NDArray> p, NDArray tokens, int loops,
            int from, int firstWithGradient, LoopInjection injection) {
        Gpt2Config c = config.backbone();
        Shape s = tokens.getShape();
        if (s.dimension() != 3 || s.get(2) != c.inputWidth()) {
            throw new IllegalArgumentException("looped gpt2: tokens must be [B, T, " + c.inputWidth() + "], got " + s);
        }
        long t = s.get(1);
        if (t > c.positions()) {
            throw new IllegalArgumentException("looped gpt2: " + t + " tokens exceed the model's " + c.positions()
                    + " learned positions");
        }
        if (from < 1 || from > loops) {
            throw new IllegalArgumentException("looped gpt2: from must be in 1.." + loops + ", got " + from);
        }
        if (firstWithGradient < 1) {
            throw new IllegalArgumentException("looped gpt2: firstWithGradient must be at least 1, got "
                    + firstWithGradient);
        }
        NDArray e = Gpt2Transformer.readIn(p, tokens); // [B, T, E]
        NDArray pos = Gpt2Transformer.positions(p, t); // [T, E]
        NDArray mask = Gpt2Transformer.causalMask(tokens, t); // [T, T]
        NDArray z = e.zerosLike(); // [B, T, E]
        List<NDArray> outputs = new ArrayList<>();
        for (int it = 1; it <= loops; it++) {
            if (it == firstWithGradient && it > 1) {
                z = z.stopGradient(); // the earlier iterations are not differentiated
            }
            NDArray r = injection.input(it, z, e).add(pos); // [B, T, E]
            for (int l = 0; l < c.layers(); l++) {
                r = Gpt2Transformer.block(c, p, l, r, mask).residual();
            }
            z = Gpt2Transformer.finalNorm(c, p, r); // [B, T, E]
            if (it >= from) {
                outputs.add(Gpt2Transformer.readOut(p, z)); // [B, T]
            }
        }
        return outputs;
    }

    /** The read-outs after each of the trained iterations b−T+1..b, each {@code [B, T]}, as trained. */
    public static List<NDArray> trainedOutputs(LoopedGpt2Config config, Map<String, NDArray> p, NDArray tokens) {
        int first = config.firstTrainedLoop();
        return outputs(config, p, tokens, config.loops(), first, first, LoopInjection.always());
    }
}
