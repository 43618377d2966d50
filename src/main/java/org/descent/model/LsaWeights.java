package org.descent.model;

import java.util.List;

/**
 * All weights of an L-layer linear-self-attention transformer in double precision: the common currency between
 * trained models, hand-built gradient-descent constructions and the analysis code.
 *
 * @param layers one entry per distinct layer; a weight-tied model has exactly one
 * @param depth how many times a layer is applied (L); equals {@code layers.size()} unless weight-tied
 */
public record LsaWeights(List<LsaLayerWeights> layers, int depth) {

    public LsaWeights {
        layers = List.copyOf(layers);
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("LSA: at least one layer is required");
        }
        if (depth <= 0) {
            throw new IllegalArgumentException("LSA: depth must be positive, got " + depth);
        }
        if (layers.size() != 1 && layers.size() != depth) {
            throw new IllegalArgumentException("LSA: " + layers.size() + " layers given for depth " + depth
                    + "; give one layer per application or a single weight-tied layer");
        }
        int dim = layers.get(0).dim();
        for (LsaLayerWeights l : layers) {
            if (l.dim() != dim) {
                throw new IllegalArgumentException("LSA: layers have different token widths");
            }
        }
    }

    /** Separate weights per layer. */
    public static LsaWeights of(List<LsaLayerWeights> layers) {
        return new LsaWeights(layers, layers.size());
    }

    /** Token width D. */
    public int dim() {
        return layers.get(0).dim();
    }

    /** Whether one layer's weights are applied {@link #depth()} times. */
    public boolean weightTied() {
        return layers.size() == 1 && depth > 1;
    }

    /** The weights used by application {@code l} (0-based). */
    public LsaLayerWeights layer(int l) {
        if (l < 0 || l >= depth) {
            throw new IndexOutOfBoundsException("layer " + l + " of " + depth);
        }
        return layers.get(weightTied() ? 0 : l);
    }
}
