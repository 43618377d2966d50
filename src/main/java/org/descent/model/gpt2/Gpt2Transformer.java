package org.descent.model.gpt2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.norm.LayerNorm;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The forward pass of a GPT-2 in-context regressor ({@link Gpt2Config}), as pure functions of the token input and the
 * parameters by canonical name ({@link Gpt2Parameters}); the dtype and device are the parameters'. Training
 * differentiates {@link #outputs}; probes read {@link #run} with its activations.
 *
 * <p>Dimension glossary: {@code B} prompts, {@code T} tokens (at most P), {@code W} input token width, {@code E}
 * model width, {@code H} heads, {@code h = E/H} head width, {@code L} blocks.
 *
 * <pre>
 *   r₀ = tokens W_inᵀ + b_in + wpe[:T]                                    [B, T, E]
 *   for each block l:  a = LN₁(r);  q|k|v = a W_attn + b_attn            [B, T, 3E]
 *                      A = softmax(q kᵀ/√h + causal mask) per head        [B, H, T, T]
 *                      r ← r + (A v) W_proj + b_proj
 *                      r ← r + gelu_new(LN₂(r) W_fc + b_fc) W_mproj + b_mproj
 *   out = LN_f(r) W_outᵀ + b_out                                          [B, T]
 * </pre>
 * with {@code gelu_new(x) = ½x(1 + tanh(√(2/π)(x + 0.044715x³)))} (GPT-2's tanh approximation).
 */
public final class Gpt2Transformer {
    private static final double GELU_SCALE = Math.sqrt(2 / Math.PI);
    private static final double MASKED = -1e9;

    /**
     * What one pass produces.
     *
     * @param outputs the read-out at every token {@code [B, T]}
     * @param residuals the residual stream, entry 0 the input to block 0 ({@code blocks.0.hook_resid_pre}) and entry
     *     l the output of block l−1 ({@code blocks.(l−1).hook_resid_post}), each {@code [B, T, E]}; empty unless kept
     * @param patterns attention probabilities of block l ({@code blocks.l.attn.hook_pattern}), each
     *     {@code [B, H, T(query), T(key)]}; empty unless kept
     * @param attentionOutputs what block l's attention adds to the residual stream, {@code (A v) W_proj + b_proj}
     *     ({@code blocks.l.hook_attn_out}), each {@code [B, T, E]}; empty unless kept
     */
    public record Activations(NDArray outputs, List<NDArray> residuals, List<NDArray> patterns,
            List<NDArray> attentionOutputs) {}

    private Gpt2Transformer() {}

    /**
     * Differentiable views of {@code arrays} owned by {@code scope}: a forward pass's intermediates of a parameter belong
     * to the manager of their first operand, so with these views they are freed with the step's scope instead of piling
     * up in the parameters' manager. A view shares storage, so gradients reach the parameters.
     */
    public static Map<String, NDArray> viewsIn(Map<String, NDArray> arrays, ai.djl.ndarray.NDManager scope) {
        Map<String, NDArray> views = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : arrays.entrySet()) {
            NDArray v = e.getValue().reshape(e.getValue().getShape());
            v.attach(scope);
            views.put(e.getKey(), v);
        }
        return views;
    }

    /** The read-out at every token, {@code [B, T]}, of {@code tokens [B, T, W]}. */
    public static NDArray outputs(Gpt2Config config, Map<String, NDArray> p, NDArray tokens) {
        return run(config, p, tokens, false).outputs();
    }

    /**
     * One pass over {@code tokens [B, T, W]}.
     *
     * @param keep whether to keep the residual stream and the attention patterns
     */
    public static Activations run(Gpt2Config config, Map<String, NDArray> p, NDArray tokens, boolean keep) {
        Shape s = tokens.getShape();
        if (s.dimension() != 3 || s.get(2) != config.inputWidth()) {
            throw new IllegalArgumentException("gpt2: tokens must be [B, T, " + config.inputWidth() + "], got " + s);
        }
        long t = s.get(1);
        if (t > config.positions()) {
            throw new IllegalArgumentException("gpt2: " + t + " tokens exceed the model's " + config.positions()
                    + " learned positions");
        }
        List<NDArray> residuals = new ArrayList<>();
        List<NDArray> patterns = new ArrayList<>();
        List<NDArray> attentionOutputs = new ArrayList<>();
        NDArray r = readIn(p, tokens).add(positions(p, t)); // [B, T, E]
        if (keep) {
            residuals.add(r);
        }
        NDArray mask = causalMask(tokens, t); // [T, T]: 0 on and below the diagonal, MASKED above
        for (int l = 0; l < config.layers(); l++) {
            Block out = block(config, p, l, r, mask);
            if (keep) {
                patterns.add(out.pattern());
                attentionOutputs.add(out.attentionOutput());
            }
            r = out.residual();
            if (keep) {
                residuals.add(r);
            }
        }
        NDArray out = readOut(p, finalNorm(config, p, r)); // [B, T]
        return new Activations(out, residuals, patterns, attentionOutputs);
    }

    /**
     * What one block makes of the residual stream.
     *
     * @param residual the block's output {@code [B, T, E]}
     * @param pattern its attention probabilities {@code [B, H, T, T]}
     * @param attentionOutput what its attention adds to the stream {@code [B, T, E]}
     */
    public record Block(NDArray residual, NDArray pattern, NDArray attentionOutput) {}

    /** The read-in without positions, {@code tokens W_inᵀ + b_in [B, T, E]} of {@code tokens [B, T, W]}. */
    public static NDArray readIn(Map<String, NDArray> p, NDArray tokens) {
        return tokens.matMul(get(p, Gpt2Parameters.READ_IN_WEIGHT).transpose())
                .add(get(p, Gpt2Parameters.READ_IN_BIAS));
    }

    /** The first {@code t} learned positions, {@code wpe[:t] [T, E]}. */
    public static NDArray positions(Map<String, NDArray> p, long t) {
        return get(p, Gpt2Parameters.POSITIONS).get(new NDIndex(":" + t));
    }

    /**
     * Block {@code l} (parameters {@code _backbone.h.l.*}) applied to the residual stream {@code r [B, T, E]}:
     * {@code r + attn(LN₁(r))}, then {@code + mlp(LN₂(·))}.
     *
     * @param mask the causal mask {@code [T, T]} of {@link #causalMask}
     */
    public static Block block(Gpt2Config config, Map<String, NDArray> p, int l, NDArray r, NDArray mask) {
        Shape s = r.getShape();
        long batch = s.get(0);
        long t = s.get(1);
        int e = config.width();
        int heads = config.heads();
        int hw = config.headWidth();
        double scale = 1 / Math.sqrt(hw);
        NDArray a = layerNorm(r, p, Gpt2Parameters.block(l, "ln_1"), config); // [B, T, E]
        NDArray qkv = a.matMul(get(p, Gpt2Parameters.block(l, "attn.c_attn.weight")))
                .add(get(p, Gpt2Parameters.block(l, "attn.c_attn.bias"))); // [B, T, 3E]
        NDList split = qkv.split(3, 2);
        NDArray q = heads(split.get(0), batch, t, heads, hw); // [B, H, T, h]
        NDArray k = heads(split.get(1), batch, t, heads, hw);
        NDArray v = heads(split.get(2), batch, t, heads, hw);
        NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).mul(constant(q, scale)).add(mask); // [B, H, T, T]
        NDArray pattern = scores.softmax(-1);
        NDArray mixed = pattern.matMul(v).transpose(0, 2, 1, 3).reshape(batch, t, e); // [B, T, E]
        NDArray attnOut = mixed.matMul(get(p, Gpt2Parameters.block(l, "attn.c_proj.weight")))
                .add(get(p, Gpt2Parameters.block(l, "attn.c_proj.bias"))); // [B, T, E]
        NDArray mid = r.add(attnOut);
        NDArray m = layerNorm(mid, p, Gpt2Parameters.block(l, "ln_2"), config);
        NDArray hidden = geluNew(m.matMul(get(p, Gpt2Parameters.block(l, "mlp.c_fc.weight")))
                .add(get(p, Gpt2Parameters.block(l, "mlp.c_fc.bias")))); // [B, T, 4E]
        NDArray out = mid.add(hidden.matMul(get(p, Gpt2Parameters.block(l, "mlp.c_proj.weight")))
                .add(get(p, Gpt2Parameters.block(l, "mlp.c_proj.bias"))));
        return new Block(out, pattern, attnOut);
    }

    /** The final LayerNorm {@code LN_f(r) [B, T, E]}. */
    public static NDArray finalNorm(Gpt2Config config, Map<String, NDArray> p, NDArray r) {
        return layerNorm(r, p, "_backbone.ln_f", config);
    }

    /** The read-out {@code f W_outᵀ + b_out [B, T]} of a normalised stream {@code f [B, T, E]}. */
    public static NDArray readOut(Map<String, NDArray> p, NDArray f) {
        Shape s = f.getShape();
        return f.matMul(get(p, Gpt2Parameters.READ_OUT_WEIGHT).transpose())
                .add(get(p, Gpt2Parameters.READ_OUT_BIAS)).reshape(s.get(0), s.get(1)); // [B, T]
    }

    private static NDArray heads(NDArray x, long batch, long t, int heads, int hw) {
        return x.reshape(batch, t, heads, hw).transpose(0, 2, 1, 3);
    }

    /** The causal mask {@code [T, T]}: 0 on and below the diagonal, a large negative number above. */
    public static NDArray causalMask(NDArray like, long t) {
        NDArray rows = like.getManager().arange((int) t).reshape(t, 1);
        NDArray cols = like.getManager().arange((int) t).reshape(1, t);
        NDArray future = cols.gt(rows); // [T, T]
        NDArray zeros = like.getManager().zeros(new Shape(t, t), like.getDataType(), like.getDevice());
        return NDArrays.where(future, zeros.add(MASKED), zeros);
    }

    private static NDArray layerNorm(NDArray x, Map<String, NDArray> p, String prefix, Gpt2Config c) {
        return LayerNorm.layerNorm(x, new Shape(c.width()), get(p, prefix + ".weight"), get(p, prefix + ".bias"),
                (float) c.layerNormEps()).singletonOrThrow();
    }

    /** GPT-2's {@code gelu_new}: {@code ½x(1 + tanh(√(2/π)(x + 0.044715x³)))}. */
    static NDArray geluNew(NDArray x) {
        NDArray inner = x.add(x.mul(x).mul(x).mul(constant(x, 0.044715))).mul(constant(x, GELU_SCALE));
        return x.mul(inner.tanh().add(constant(x, 1))).mul(constant(x, 0.5));
    }

    /**
     * The scalar {@code v} as an engine-owned array of {@code like}'s type and device. Never multiply by a Java number
     * ({@code x.mul(0.5)}) on a differentiable path: DJL makes the number an array over Java memory and closes it
     * after the op, while autograd keeps it for the backward pass, so a garbage collection between forward and
     * backward frees what the backward pass reads (training then differed between processes, or hit a non-finite
     * gradient, whenever a collection fell in between).
     */
    static NDArray constant(NDArray like, double v) {
        try (NDArray java = like.getManager().create(v)) { // float64, over Java memory
            return java.toType(like.getDataType(), true).toDevice(like.getDevice(), false); // an engine-owned copy
        }
    }

    private static NDArray get(Map<String, NDArray> p, String name) {
        NDArray a = p.get(name);
        if (a == null) {
            throw new IllegalArgumentException("gpt2: parameter '" + name + "' is missing");
        }
        return a;
    }
}
