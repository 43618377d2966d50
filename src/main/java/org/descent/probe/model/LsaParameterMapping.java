package org.descent.probe.model;

import java.util.ArrayList;
import java.util.List;
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
 * on TorchScript LSAs too. A module qualifies when every parameter is one of the four per-layer matrices
 * {@code W_Q, W_K, W_V, P} of shape {@code [D, D]} (column-vector convention of the README's contracts), named
 * {@code <prefix>.<layer>.<matrix>} (e.g. {@code layers.0.W_Q}) or just {@code <matrix>} for a single layer; matrix
 * names match case-insensitively with or without the underscore ({@code w_q}, {@code WQ}, {@code p}). Anything else
 * (biases, LayerNorm, embeddings) means the module is not a plain LSA and no weights are read.
 *
 * <p>Names are only a hint: {@link ModelLoader} also checks that the LSA forward pass with these weights reproduces
 * the module's predictions before it exposes them.
 */
public final class LsaParameterMapping {
    private static final Pattern NAME = Pattern.compile("^(?:(.*)\\.)?(?:(\\d+)\\.)?(W_?Q|W_?K|W_?V|P)$",
            Pattern.CASE_INSENSITIVE);

    private LsaParameterMapping() {}

    /**
     * The LSA weights of {@code parameters} for token width {@code dim}, or empty when the parameters are not exactly
     * an LSA stack.
     */
    public static Optional<LsaWeights> read(Map<String, TorchScriptModel.NamedTensor> parameters, int dim) {
        if (parameters.isEmpty()) {
            return Optional.empty();
        }
        TreeMap<Integer, double[][]> layers = new TreeMap<>(); // layer -> [W_Q, W_K, W_V, P]
        String prefix = null;
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
            if (shape.length != 2 || shape[0] != dim || shape[1] != dim) {
                return Optional.empty();
            }
            int layer = m.group(2) == null ? 0 : Integer.parseInt(m.group(2));
            int slot = switch (m.group(3).toUpperCase().replace("_", "")) {
                case "WQ" -> 0;
                case "WK" -> 1;
                case "WV" -> 2;
                default -> 3;
            };
            double[][] four = layers.computeIfAbsent(layer, k -> new double[4][]);
            if (four[slot] != null) {
                return Optional.empty();
            }
            four[slot] = t.values();
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
}
