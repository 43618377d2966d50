package org.descent.model.gpt2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A GPT-2 regressor's parameters on the Java heap, by canonical name ({@link Gpt2Parameters}), in float32 as trained
 * and as published.
 *
 * @param config the architecture
 * @param values every parameter of {@link Gpt2Parameters#shapes(Gpt2Config)}, row-major, no others
 */
public record Gpt2Weights(Gpt2Config config, Map<String, float[]> values) {

    public Gpt2Weights {
        Map<String, Shape> shapes = Gpt2Parameters.shapes(config);
        for (String name : values.keySet()) {
            if (!shapes.containsKey(name)) {
                throw new IllegalArgumentException("gpt2 weights: unexpected parameter '" + name + "' for " + config);
            }
        }
        Map<String, float[]> ordered = new LinkedHashMap<>();
        for (Map.Entry<String, Shape> e : shapes.entrySet()) {
            float[] v = values.get(e.getKey());
            if (v == null) {
                throw new IllegalArgumentException("gpt2 weights: missing parameter '" + e.getKey() + "' "
                        + e.getValue());
            }
            if (v.length != e.getValue().size()) {
                throw new IllegalArgumentException("gpt2 weights: '" + e.getKey() + "' has " + v.length
                        + " values, expected shape " + e.getValue());
            }
            ordered.put(e.getKey(), v);
        }
        values = Collections.unmodifiableMap(ordered);
    }

    /**
     * Weights from flat copies of the parameters in the order of {@code names} (a trainer's snapshot of the arrays it
     * trained, by canonical name).
     */
    public static Gpt2Weights fromFlat(Gpt2Config config, Iterable<String> names, float[][] flat) {
        Map<String, float[]> out = new java.util.LinkedHashMap<>();
        int i = 0;
        for (String name : names) {
            out.put(name, flat[i++]);
        }
        return new Gpt2Weights(config, out);
    }

    /**
     * Hugging Face GPT-2's initialisation, seeded: Conv1D weights and positions ~ N(0, 0.02²), the residual
     * projections ({@code c_proj}) ~ N(0, (0.02/√(2L))²), biases 0, LayerNorm gains 1; the read-in and read-out as
     * {@code torch.nn.Linear} (weights and biases ~ U(±1/√fan_in)).
     */
    public static Gpt2Weights initialize(Gpt2Config config, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double std = 0.02;
        double projStd = 0.02 / Math.sqrt(2.0 * config.layers());
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, Shape> e : Gpt2Parameters.shapes(config).entrySet()) {
            String name = e.getKey();
            float[] v = new float[(int) e.getValue().size()];
            if (name.startsWith("_read_in") || name.startsWith("_read_out")) {
                long fanIn = name.startsWith("_read_in") ? config.inputWidth() : config.width();
                double bound = 1 / Math.sqrt(fanIn);
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) (bound * (2 * rng.nextDouble() - 1));
                }
            } else if (name.contains(".ln_") || name.startsWith("_backbone.ln_f")) {
                if (name.endsWith(".weight")) {
                    java.util.Arrays.fill(v, 1f);
                }
            } else if (name.endsWith(".weight")) {
                double s = name.endsWith("c_proj.weight") ? projStd : std;
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) (s * rng.nextGaussian());
                }
            }
            out.put(name, v);
        }
        return new Gpt2Weights(config, out);
    }

    /** Shape of parameter {@code name}. */
    public Shape shape(String name) {
        Shape s = Gpt2Parameters.shapes(config).get(name);
        if (s == null) {
            throw new IllegalArgumentException("gpt2 weights: no parameter '" + name + "'");
        }
        return s;
    }

    /** The parameters as arrays of {@code type} in {@code manager}, by canonical name, in canonical order. */
    public Map<String, NDArray> toArrays(NDManager manager, DataType type) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, float[]> e : values.entrySet()) {
            NDArray a = manager.create(e.getValue(), shape(e.getKey()));
            // A copy made by the engine: an array created from Java memory may keep that buffer, whose alignment
            // changes from process to process, and MKL's GEMM kernels sum in an alignment-dependent order, so
            // training on such weights was not bitwise reproducible across processes. The engine's allocator aligns
            // every tensor to 64 bytes.
            NDArray owned = type == DataType.FLOAT32 ? a.duplicate() : a.toType(type, true);
            a.close();
            out.put(e.getKey(), owned);
        }
        return out;
    }

    /** Total number of parameters. */
    public long size() {
        return values.values().stream().mapToLong(v -> v.length).sum();
    }
}
