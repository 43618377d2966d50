package org.descent.probe.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.descent.foreign.TorchScriptModel;
import org.descent.model.LsaLayerWeights;
import org.descent.model.LsaWeights;

/**
 * Reads linear-self-attention weights out of a foreign module's named parameters, so that weight-structure probes run
 * on TorchScript LSAs too. A module qualifies when every parameter is one of the four matrix kinds
 * {@code W_Q, W_K, W_V, P} (column-vector convention of the README's contracts), either
 * <ul>
 *   <li><b>per layer</b>, shape {@code [D, D]}, named {@code <prefix>.<layer>.<matrix>} (e.g. {@code layers.0.W_Q})
 *       or just {@code <matrix>} for a single layer; or</li>
 *   <li><b>stacked over layers</b>, shape {@code [L, D, D]}, one parameter per kind named {@code <prefix>.<matrix>}
 *       or {@code <matrix>} (e.g. {@code W_Q} holding every layer's query matrix, layer l at index l).</li>
 * </ul>
 * Matrix names match case-insensitively, with or without a {@code W}/{@code W_} prefix, a plural {@code s} or a
 * {@code _weight(s)} / {@code _matrix} suffix: {@code W_Q}, {@code w_q}, {@code WQ}, {@code Q}, {@code query},
 * {@code Wq_weights}; {@code K}/{@code key}, {@code V}/{@code value}, {@code P}/{@code W_P}/{@code proj}/
 * {@code projection}. Anything else (biases, LayerNorm, embeddings), a mix of stacked and per-layer parameters,
 * stacks of different depths or gaps in the layer indices mean the module is not a plain LSA and no weights are read.
 *
 * <p>Dimension glossary: {@code D = d + 1} token width, {@code L} layers.
 *
 * <p>Names are only a hint: {@link ModelLoader} also checks that the LSA forward pass with these weights reproduces
 * the module's predictions before it exposes them.
 */
public final class LsaParameterMapping {
    private static final Pattern NAME = Pattern.compile(
            "^(?:(.*?)\\.)?(?:(\\d+)\\.)?(?:w_?)?(q|k|v|p|query|key|value|proj|projection)"
                    + "(?:s|_?weights?|_?matrix|_?matrices)?$",
            Pattern.CASE_INSENSITIVE);

    private LsaParameterMapping() {}

    /** Slot 0..3 (W_Q, W_K, W_V, P) of a matched kind. */
    private static int slot(String kind) {
        return switch (kind.toLowerCase(Locale.ROOT)) {
            case "q", "query" -> 0;
            case "k", "key" -> 1;
            case "v", "value" -> 2;
            default -> 3;
        };
    }

    /**
     * The LSA weights of {@code parameters} for token width {@code dim}, or empty when the parameters are not exactly
     * an LSA stack.
     */
    public static Optional<LsaWeights> read(Map<String, TorchScriptModel.NamedTensor> parameters, int dim) {
        if (parameters.isEmpty()) {
            return Optional.empty();
        }
        TreeMap<Integer, double[][]> layers = new TreeMap<>(); // layer -> [W_Q, W_K, W_V, P], each [D·D]
        String prefix = null;
        Boolean stacked = null;
        int depth = -1;
        int square = dim * dim;
        for (TorchScriptModel.NamedTensor t : parameters.values()) {
            Matcher m = NAME.matcher(t.name());
            if (!m.matches()) {
                return Optional.empty();
            }
            String pre = m.group(1) == null ? "" : m.group(1);
            if (prefix == null) {
                prefix = pre;
            } else if (!prefix.equals(pre)) {
                return Optional.empty();
            }
            long[] shape = t.shape();
            boolean isStack = shape.length == 3;
            if (isStack ? shape[1] != dim || shape[2] != dim || shape[0] < 1 || m.group(2) != null
                    : shape.length != 2 || shape[0] != dim || shape[1] != dim) {
                return Optional.empty();
            }
            if (stacked != null && stacked != isStack) {
                return Optional.empty(); // a mix of stacked and per-layer parameters
            }
            stacked = isStack;
            int slot = slot(m.group(3));
            double[] values = t.values();
            if (isStack) {
                if (depth >= 0 && depth != shape[0]) {
                    return Optional.empty();
                }
                depth = (int) shape[0];
                for (int l = 0; l < depth; l++) {
                    if (!put(layers, l, slot, Arrays.copyOfRange(values, l * square, (l + 1) * square))) {
                        return Optional.empty();
                    }
                }
            } else {
                int layer = m.group(2) == null ? 0 : Integer.parseInt(m.group(2));
                if (!put(layers, layer, slot, values)) {
                    return Optional.empty();
                }
            }
        }
        List<LsaLayerWeights> out = new ArrayList<>();
        int expected = 0;
        for (Map.Entry<Integer, double[][]> e : layers.entrySet()) {
            if (e.getKey() != expected++) {
                return Optional.empty();
            }
            double[][] four = e.getValue();
            for (double[] m : four) {
                if (m == null) {
                    return Optional.empty();
                }
            }
            out.add(new LsaLayerWeights(dim, four[0], four[1], four[2], four[3]));
        }
        return Optional.of(LsaWeights.of(out));
    }

    /** Stores one matrix; false when that layer already has one of this kind (two names for one matrix). */
    private static boolean put(TreeMap<Integer, double[][]> layers, int layer, int slot, double[] matrix) {
        double[][] four = layers.computeIfAbsent(layer, k -> new double[4][]);
        if (four[slot] != null) {
            return false;
        }
        four[slot] = matrix;
        return true;
    }
}
