package org.descent.task.layout;

import ai.djl.ndarray.NDArray;
import org.descent.task.PromptSet;

/**
 * von Oswald et al.'s layout, and descent's storage layout: {@code N} context tokens {@code [x_i, y_i]} then the
 * query {@code [x_q, 0]}; {@code T = N + 1}, {@code W = d + 1}; one prediction, read at the query (token {@code N}).
 */
public record Concatenated() implements PromptLayout {
    public static final String NAME = "concatenated";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int width(int d) {
        return d + 1;
    }

    @Override
    public int length(int n) {
        return n + 1;
    }

    @Override
    public boolean predictsEveryPrefix() {
        return false;
    }

    @Override
    public int predictionPosition(int n, int k) {
        if (k != n) {
            throw new IllegalArgumentException("the concatenated layout predicts only at the query (k = N = " + n
                    + "), not after " + k + " pairs; use prefix prompts for shorter contexts");
        }
        return n;
    }

    @Override
    public double[] encode(PromptSet prompts) {
        return prompts.flatTokens();
    }

    @Override
    public NDArray encode(NDArray tokens) {
        return tokens;
    }
}
