package org.descent.probe;

/**
 * The residual stream of a model on a batch of prompts, in double precision.
 *
 * <p>Dimension glossary: {@code L+1} states (entry 0 is the input to the first layer, entry l the output of layer
 * l), {@code B} prompts, {@code T = N + 1} tokens (the query is the last), {@code D_h} hidden width.
 *
 * @param layers L + 1
 * @param prompts B
 * @param tokens T
 * @param width D_h
 * @param values row-major {@code [L+1, B, T, D_h]}
 */
public record HiddenStates(int layers, int prompts, int tokens, int width, double[] values) {

    public HiddenStates {
        if (layers < 1 || prompts < 1 || tokens < 2 || width < 1) {
            throw new IllegalArgumentException("hidden states: need shape [L+1 >= 1, B >= 1, T >= 2, D_h >= 1], got ["
                    + layers + ", " + prompts + ", " + tokens + ", " + width + "]");
        }
        if (values == null || (long) layers * prompts * tokens * width != values.length) {
            throw new IllegalArgumentException("hidden states: " + (values == null ? 0 : values.length)
                    + " values do not fill [" + layers + ", " + prompts + ", " + tokens + ", " + width + "]");
        }
    }

    /** Number of layers L (states minus one). */
    public int depth() {
        return layers - 1;
    }

    /** The state of token {@code t} of prompt {@code b} after layer {@code layer} (0 = input), a fresh {@code [D_h]}. */
    public double[] token(int layer, int b, int t) {
        double[] out = new double[width];
        System.arraycopy(values, ((layer * prompts + b) * tokens + t) * width, out, 0, width);
        return out;
    }

    /** The query token's state after layer {@code layer} for every prompt, {@code [B][D_h]}. */
    public double[][] queryStates(int layer) {
        double[][] out = new double[prompts][];
        for (int b = 0; b < prompts; b++) {
            out[b] = token(layer, b, tokens - 1);
        }
        return out;
    }

    /** Every token's state after layer {@code layer}, concatenated per prompt, {@code [B][T·D_h]}. */
    public double[][] allTokenStates(int layer) {
        double[][] out = new double[prompts][tokens * width];
        for (int b = 0; b < prompts; b++) {
            System.arraycopy(values, (layer * prompts + b) * tokens * width, out[b], 0, tokens * width);
        }
        return out;
    }
}
