package org.descent.model.gpt2;

import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The canonical parameter names and shapes of a {@link Gpt2Config}: exactly the keys of Garg et al.'s
 * {@code model_state_dict} (without its buffers {@code attn.bias}, {@code attn.masked_bias} and the unused token
 * embedding {@code wte}), so a converted checkpoint maps one to one. Weights of Hugging Face's {@code Conv1D} layers
 * ({@code c_attn}, {@code c_proj}, {@code c_fc}) are {@code [in, out]} ({@code y = x W + b}); the read-in and read-out
 * are {@code torch.nn.Linear}, {@code [out, in]}. {@code c_attn} holds q | k | v along its output axis.
 *
 * <p>Dimension glossary: {@code W} input token width, {@code E} model width, {@code P} positions, {@code L} blocks.
 */
public final class Gpt2Parameters {
    public static final String READ_IN_WEIGHT = "_read_in.weight"; // [E, W]
    public static final String READ_IN_BIAS = "_read_in.bias"; // [E]
    public static final String POSITIONS = "_backbone.wpe.weight"; // [P, E]
    public static final String FINAL_NORM_WEIGHT = "_backbone.ln_f.weight"; // [E]
    public static final String FINAL_NORM_BIAS = "_backbone.ln_f.bias"; // [E]
    public static final String READ_OUT_WEIGHT = "_read_out.weight"; // [1, E]
    public static final String READ_OUT_BIAS = "_read_out.bias"; // [1]

    /** Suffixes of one block's parameters, in order, below {@code _backbone.h.<l>.}. */
    public static final List<String> BLOCK_PARAMETERS = List.of(
            "ln_1.weight", "ln_1.bias",
            "attn.c_attn.weight", "attn.c_attn.bias", "attn.c_proj.weight", "attn.c_proj.bias",
            "ln_2.weight", "ln_2.bias",
            "mlp.c_fc.weight", "mlp.c_fc.bias", "mlp.c_proj.weight", "mlp.c_proj.bias");

    private Gpt2Parameters() {}

    /** The name of block {@code layer}'s parameter {@code suffix} (one of {@link #BLOCK_PARAMETERS}). */
    public static String block(int layer, String suffix) {
        return "_backbone.h." + layer + "." + suffix;
    }

    /** Every parameter's name and shape, in the canonical order. */
    public static Map<String, Shape> shapes(Gpt2Config c) {
        long e = c.width();
        Map<String, Shape> out = new LinkedHashMap<>();
        out.put(READ_IN_WEIGHT, new Shape(e, c.inputWidth()));
        out.put(READ_IN_BIAS, new Shape(e));
        out.put(POSITIONS, new Shape(c.positions(), e));
        for (int l = 0; l < c.layers(); l++) {
            out.put(block(l, "ln_1.weight"), new Shape(e));
            out.put(block(l, "ln_1.bias"), new Shape(e));
            out.put(block(l, "attn.c_attn.weight"), new Shape(e, 3 * e));
            out.put(block(l, "attn.c_attn.bias"), new Shape(3 * e));
            out.put(block(l, "attn.c_proj.weight"), new Shape(e, e));
            out.put(block(l, "attn.c_proj.bias"), new Shape(e));
            out.put(block(l, "ln_2.weight"), new Shape(e));
            out.put(block(l, "ln_2.bias"), new Shape(e));
            out.put(block(l, "mlp.c_fc.weight"), new Shape(e, 4 * e));
            out.put(block(l, "mlp.c_fc.bias"), new Shape(4 * e));
            out.put(block(l, "mlp.c_proj.weight"), new Shape(4 * e, e));
            out.put(block(l, "mlp.c_proj.bias"), new Shape(e));
        }
        out.put(FINAL_NORM_WEIGHT, new Shape(e));
        out.put(FINAL_NORM_BIAS, new Shape(e));
        out.put(READ_OUT_WEIGHT, new Shape(1, e));
        out.put(READ_OUT_BIAS, new Shape(1));
        return Collections.unmodifiableMap(out);
    }

    /** The canonical names in order. */
    public static List<String> names(Gpt2Config c) {
        return new ArrayList<>(shapes(c).keySet());
    }
}
