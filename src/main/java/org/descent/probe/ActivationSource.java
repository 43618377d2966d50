package org.descent.probe;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.descent.task.PromptSet;

/**
 * A model capability: named internal activations, with TransformerLens-style canonical hook names so a probe can ask
 * for the same thing on any architecture:
 * <ul>
 *   <li>{@code blocks.{l}.hook_resid_pre}: the residual stream entering block l, {@code [B, T, D_h]};</li>
 *   <li>{@code blocks.{l}.hook_resid_post}: the residual stream leaving block l, {@code [B, T, D_h]};</li>
 *   <li>{@code blocks.{l}.attn.hook_pattern}: attention probabilities of block l,
 *       {@code [B, H, T(query), T(key)]}.</li>
 * </ul>
 * {@code T} is the token count of the model's prompt layout.
 */
public interface ActivationSource {

    /** The hook names this model provides, in order. */
    List<String> hookNames();

    /**
     * The activations named by {@code hooks} on {@code prompts}.
     *
     * @throws IllegalArgumentException naming the unknown hook and the known ones
     */
    Map<String, Activation> activations(PromptSet prompts, Collection<String> hooks);

    /**
     * One activation in double precision.
     *
     * @param name its hook name
     * @param shape its shape (first axis the prompts)
     * @param values row-major values
     */
    record Activation(String name, long[] shape, double[] values) {
        public Activation {
            long size = 1;
            for (long s : shape) {
                size *= s;
            }
            if (size != values.length) {
                throw new IllegalArgumentException("activation " + name + ": " + values.length
                        + " values do not fill shape " + java.util.Arrays.toString(shape));
            }
        }
    }

    /** {@code blocks.{layer}.hook_resid_post}. */
    static String residPost(int layer) {
        return "blocks." + layer + ".hook_resid_post";
    }

    /** {@code blocks.{layer}.hook_resid_pre}. */
    static String residPre(int layer) {
        return "blocks." + layer + ".hook_resid_pre";
    }

    /** {@code blocks.{layer}.attn.hook_pattern}. */
    static String pattern(int layer) {
        return "blocks." + layer + ".attn.hook_pattern";
    }
}
