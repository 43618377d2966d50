package org.descent.task.layout;

import ai.djl.ndarray.NDArray;
import java.util.List;
import java.util.Locale;
import org.descent.task.PromptSet;

/**
 * How a prompt becomes the token sequence a model reads, and where its predictions are read: the one place that knows
 * token positions for models other than the LSA (whose layout is {@link Concatenated}, the storage layout of
 * {@link PromptSet}).
 *
 * <p>Dimension glossary: {@code B} prompts, {@code N} context pairs, {@code d} input dimension, {@code T = length(N)}
 * tokens a model reads, {@code W = width(d)} token width, {@code k} a prefix length (pairs seen before a
 * prediction, 0..N).
 *
 * <p>Every layout encodes the same data: context pairs {@code (x_i, y_i)} and a query {@code x_q} whose label is never
 * shown. A layout that {@link #predictsEveryPrefix() predicts every prefix} gives, in one causal pass, the prediction
 * for the {@code (k+1)}-th input from the first {@code k} pairs, for every {@code k = 0..N} (the {@code (N+1)}-th
 * input is the query). {@link PromptSet#prefixTargets()} holds the matching labels {@code [B, N+1]}.
 */
public interface PromptLayout {

    /** The name in configs, sidecars and manifests: {@code concatenated}, {@code interleaved}, ... */
    String name();

    /** Token width {@code W} for input dimension {@code d}. */
    int width(int d);

    /** Number of tokens {@code T} a model reads for {@code n} context pairs and the query. */
    int length(int n);

    /** Whether one pass yields a prediction after every prefix {@code k = 0..N} (causal interleaved layouts). */
    boolean predictsEveryPrefix();

    /**
     * The token whose model output is the prediction after {@code k} context pairs.
     *
     * @param n context pairs in the prompt
     * @param k pairs seen, {@code 0..n}; layouts that do not predict every prefix accept only {@code k = n}
     * @return a token index in {@code 0..length(n)-1}
     */
    int predictionPosition(int n, int k);

    /**
     * The model input for prompts stored in the canonical layout.
     *
     * @return row-major {@code [B, T, W]}
     */
    double[] encode(PromptSet prompts);

    /**
     * The model input for a batch in the canonical layout, in the batch's manager and type.
     *
     * @param tokens {@code [B, N+1, d+1]} context rows {@code [x_i, y_i]}, query row {@code [x_q, 0]}
     * @return {@code [B, T, W]}
     */
    NDArray encode(NDArray tokens);

    /** The built-in layouts. */
    static List<PromptLayout> builtIn() {
        return List.of(new Concatenated(), Interleaved.garg(), Interleaved.akyurek());
    }

    /** The layout named {@code name} (case-insensitive). */
    static PromptLayout named(String name) {
        String key = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        for (PromptLayout l : builtIn()) {
            if (l.name().equals(key)) {
                return l;
            }
        }
        throw new IllegalArgumentException("unknown prompt layout '" + name + "'; known: " + names());
    }

    /** Names of the built-in layouts. */
    static List<String> names() {
        return builtIn().stream().map(PromptLayout::name).toList();
    }

    /** The positions of every prediction, {@code predictionPosition(n, k)} for {@code k = 0..n} (or only n). */
    default int[] predictionPositions(int n) {
        if (!predictsEveryPrefix()) {
            return new int[] {predictionPosition(n, n)};
        }
        int[] out = new int[n + 1];
        for (int k = 0; k <= n; k++) {
            out[k] = predictionPosition(n, k);
        }
        return out;
    }
}
