package org.descent.model.gpt2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.descent.probe.ActivationSource;
import org.descent.probe.HiddenStateSource;
import org.descent.probe.HiddenStates;
import org.descent.probe.PrefixPredictionSource;
import org.descent.regressor.Autograd;
import org.descent.regressor.QuerySensitivity;
import org.descent.task.PromptSet;
import org.descent.task.layout.PromptLayout;

/**
 * A GPT-2 in-context regressor ({@link Gpt2Weights}) reading prompts through its {@link PromptLayout}, evaluated in
 * float64 (or float32, to compare with a float32 reference) on the device of {@code manager}: predictions at the
 * query, predictions after every prefix (interleaved layouts), Jacobians ∂ŷ/∂x_q by autograd through the layout, the
 * residual stream and the attention patterns under canonical hook names.
 *
 * <p>Dimension glossary: {@code B} prompts, {@code N} context pairs, {@code d} input dimension, {@code T} tokens of the
 * layout, {@code E} model width, {@code H} heads, {@code L} blocks.
 *
 * <p>Inputs are processed in chunks, each in its own sub-manager, so memory stays flat: up to {@value #MAX_CHUNK}
 * prompts, fewer for large models, so that a chunk's float64 activations (kept for autograd) stay near
 * {@value #CHUNK_BYTES} bytes (e.g. 7 prompts for Garg et al.'s 12-layer, width-256 model at N = 40).
 */
public final class Gpt2Regressor implements QuerySensitivity, PrefixPredictionSource, HiddenStateSource,
        ActivationSource {
    private static final int MAX_CHUNK = 1024;
    /** Bytes of activations one chunk may hold. */
    static final long CHUNK_BYTES = 1L << 30;
    private final String name;
    private final Gpt2Weights weights;
    private final PromptLayout layout;
    private final NDManager manager;
    private final DataType type;

    /**
     * @param name display name in tables
     * @param weights the parameters
     * @param layout how prompts become tokens; its width must be the model's input width
     * @param manager decides the device; arrays live in sub-managers closed after each chunk
     * @param type {@link DataType#FLOAT64} (default for probes) or {@link DataType#FLOAT32}
     */
    public Gpt2Regressor(String name, Gpt2Weights weights, PromptLayout layout, NDManager manager, DataType type) {
        if (type != DataType.FLOAT64 && type != DataType.FLOAT32) {
            throw new IllegalArgumentException("gpt2 regressor: evaluates in float32 or float64, not " + type);
        }
        this.name = name;
        this.weights = weights;
        this.layout = layout;
        this.manager = manager;
        this.type = type;
    }

    /** In float64. */
    public Gpt2Regressor(String name, Gpt2Weights weights, PromptLayout layout, NDManager manager) {
        this(name, weights, layout, manager, DataType.FLOAT64);
    }

    @Override
    public String name() {
        return name;
    }

    public Gpt2Weights weights() {
        return weights;
    }

    public PromptLayout layout() {
        return layout;
    }

    private void check(PromptSet prompts) {
        Gpt2Config c = weights.config();
        if (layout.width(prompts.d()) != c.inputWidth()) {
            throw new IllegalArgumentException(name + ": the model reads tokens of width " + c.inputWidth()
                    + " but the " + layout.name() + " layout of d=" + prompts.d() + " gives width "
                    + layout.width(prompts.d()));
        }
        if (layout.length(prompts.n()) > c.positions()) {
            throw new IllegalArgumentException(name + ": " + prompts.n() + " context pairs make "
                    + layout.length(prompts.n()) + " tokens in the " + layout.name() + " layout, more than the model's "
                    + c.positions() + " positions (at most " + maxContext() + " pairs)");
        }
    }

    /**
     * Prompts per chunk for prompts of {@code n} pairs: about {@link #CHUNK_BYTES} of float64 activations per chunk,
     * counting per block ~25 tensors of {@code [T, E]} and 4 of {@code [H, T, T]}, doubled for gradients.
     */
    int chunk(int n) {
        Gpt2Config c = weights.config();
        long t = layout.length(n);
        long perPrompt = 2L * c.layers() * (25L * t * c.width() + 4L * c.heads() * t * t) * Double.BYTES;
        return (int) Math.max(1, Math.min(MAX_CHUNK, CHUNK_BYTES / perPrompt));
    }

    /** The most context pairs the model's positions allow in its layout. */
    public int maxContext() {
        int n = 0;
        while (layout.length(n + 1) <= weights.config().positions()) {
            n++;
        }
        return n;
    }

    /** Model input {@code [b, T, W]} of prompts {@code [from, to)} in {@code scope}. */
    private NDArray input(NDManager scope, PromptSet chunk) {
        NDArray a = scope.create(layout.encode(chunk),
                new Shape(chunk.size(), layout.length(chunk.n()), layout.width(chunk.d())));
        return type == DataType.FLOAT64 ? a : a.toType(type, false);
    }

    @Override
    public double[] predict(PromptSet prompts) {
        check(prompts);
        int at = layout.predictionPosition(prompts.n(), prompts.n());
        double[] out = new double[prompts.size()];
        for (int start = 0; start < prompts.size(); start += chunk(prompts.n())) {
            int end = Math.min(prompts.size(), start + chunk(prompts.n()));
            try (NDManager scope = manager.newSubManager()) {
                NDArray outputs = Gpt2Transformer.outputs(weights.config(), weights.toArrays(scope, type),
                        input(scope, prompts.slice(start, end))); // [b, T]
                double[] q = outputs.get(new NDIndex(":, " + at)).toType(DataType.FLOAT64, false).toDoubleArray();
                System.arraycopy(q, 0, out, start, end - start);
            }
        }
        return out;
    }

    @Override
    public double[] prefixPredictions(PromptSet prompts) {
        check(prompts);
        if (!layout.predictsEveryPrefix()) {
            throw new IllegalStateException(name + ": the " + layout.name() + " layout predicts only at the query");
        }
        int n = prompts.n();
        int[] positions = layout.predictionPositions(n);
        double[] out = new double[prompts.size() * (n + 1)];
        for (int start = 0; start < prompts.size(); start += chunk(prompts.n())) {
            int end = Math.min(prompts.size(), start + chunk(prompts.n()));
            try (NDManager scope = manager.newSubManager()) {
                NDArray outputs = Gpt2Transformer.outputs(weights.config(), weights.toArrays(scope, type),
                        input(scope, prompts.slice(start, end))); // [b, T]
                NDArray at = scope.create(java.util.Arrays.stream(positions).asLongStream().toArray());
                double[] p = outputs.get(new NDIndex(":, {}", at)).toType(DataType.FLOAT64, false)
                        .toDoubleArray(); // [b, N+1]
                System.arraycopy(p, 0, out, start * (n + 1), p.length);
            }
        }
        return out;
    }

    @Override
    public double[][] queryJacobians(PromptSet prompts) {
        check(prompts);
        int d = prompts.d();
        int at = layout.predictionPosition(prompts.n(), prompts.n());
        double[][] out = new double[prompts.size()][];
        for (int start = 0; start < prompts.size(); start += chunk(prompts.n())) {
            int end = Math.min(prompts.size(), start + chunk(prompts.n()));
            try (NDManager scope = manager.newSubManager()) {
                NDArray tokens = prompts.slice(start, end).tokensArray(scope, type); // canonical [b, N+1, d+1]
                tokens.setRequiresGradient(true);
                Map<String, NDArray> p = weights.toArrays(scope, type);
                synchronized (Autograd.LOCK) {
                    try (GradientCollector gc = scope.getEngine().newGradientCollector()) {
                        NDArray outputs = Gpt2Transformer.outputs(weights.config(), p, layout.encode(tokens));
                        gc.backward(outputs.get(new NDIndex(":, " + at)).sum());
                    }
                }
                NDArray grad = tokens.getGradient();
                grad.attach(scope);
                // prompts are independent, so d(sum ŷ)/d x_q of prompt b is ∂ŷ_b/∂x_q
                double[] g = grad.get(new NDIndex(":, -1, :-1")).toType(DataType.FLOAT64, false).toDoubleArray();
                for (int b = start; b < end; b++) {
                    out[b] = new double[d];
                    System.arraycopy(g, (b - start) * d, out[b], 0, d);
                }
            }
        }
        return out;
    }

    @Override
    public HiddenStates hiddenStates(PromptSet prompts) {
        check(prompts);
        int layers = weights.config().layers() + 1;
        int t = layout.length(prompts.n());
        int e = weights.config().width();
        int b = prompts.size();
        double[] values = new double[layers * b * t * e];
        for (int start = 0; start < b; start += chunk(prompts.n())) {
            int end = Math.min(b, start + chunk(prompts.n()));
            try (NDManager scope = manager.newSubManager()) {
                List<NDArray> r = Gpt2Transformer.run(weights.config(), weights.toArrays(scope, type),
                        input(scope, prompts.slice(start, end)), true).residuals();
                for (int l = 0; l < layers; l++) {
                    double[] v = r.get(l).toType(DataType.FLOAT64, false).toDoubleArray(); // [b, T, E]
                    System.arraycopy(v, 0, values, (l * b + start) * t * e, v.length);
                }
            }
        }
        return new HiddenStates(layers, b, t, e, values);
    }

    @Override
    public List<String> hookNames() {
        List<String> out = new ArrayList<>();
        for (int l = 0; l < weights.config().layers(); l++) {
            out.add(ActivationSource.residPre(l));
            out.add(ActivationSource.pattern(l));
            out.add(ActivationSource.residPost(l));
        }
        return out;
    }

    @Override
    public Map<String, Activation> activations(PromptSet prompts, Collection<String> hooks) {
        check(prompts);
        List<String> known = hookNames();
        for (String h : hooks) {
            if (!known.contains(h)) {
                throw new IllegalArgumentException(name + ": no activation '" + h + "'; known: " + known);
            }
        }
        int b = prompts.size();
        long t = layout.length(prompts.n());
        Gpt2Config c = weights.config();
        Map<String, double[]> values = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (String h : hooks) {
            long[] shape = h.endsWith("hook_pattern") ? new long[] {b, c.heads(), t, t} : new long[] {b, t, c.width()};
            shapes.put(h, shape);
            long size = 1;
            for (long s : shape) {
                size *= s;
            }
            values.put(h, new double[Math.toIntExact(size)]);
        }
        for (int start = 0; start < b; start += chunk(prompts.n())) {
            int end = Math.min(b, start + chunk(prompts.n()));
            try (NDManager scope = manager.newSubManager()) {
                Gpt2Transformer.Activations a = Gpt2Transformer.run(c, weights.toArrays(scope, type),
                        input(scope, prompts.slice(start, end)), true);
                for (String h : hooks) {
                    int layer = Integer.parseInt(h.split("\\.")[1]);
                    NDArray v = h.endsWith("hook_pattern") ? a.patterns().get(layer)
                            : h.endsWith("hook_resid_pre") ? a.residuals().get(layer) : a.residuals().get(layer + 1);
                    double[] flat = v.toType(DataType.FLOAT64, false).toDoubleArray();
                    long per = flat.length / (end - start);
                    System.arraycopy(flat, 0, values.get(h), (int) (start * per), flat.length);
                }
            }
        }
        Map<String, Activation> out = new LinkedHashMap<>();
        for (String h : hooks) {
            out.put(h, new Activation(h, shapes.get(h), values.get(h)));
        }
        return out;
    }
}
