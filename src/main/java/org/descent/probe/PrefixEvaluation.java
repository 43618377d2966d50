package org.descent.probe;

import java.util.Arrays;
import org.descent.task.PromptSet;
import org.descent.task.layout.PromptLayout;

/**
 * Predictions after every prefix length k, for any model and any reference, through the model's
 * {@link PromptLayout} (the one place that knows where a prediction is read).
 *
 * <p>Dimension glossary: {@code B} prompts, {@code N} context pairs, {@code d} input dimension, {@code k} a prefix
 * length (pairs seen before a prediction), {@code K} prefix lengths evaluated.
 *
 * <p>What "the prediction after k pairs" is depends on the layout:
 * <ul>
 *   <li>a layout that {@link PromptLayout#predictsEveryPrefix() predicts every prefix} (causal, interleaved): the
 *       prediction for input {@code x_{k+1}} from the first k pairs, read at {@link PromptLayout#predictionPosition}
 *       of one pass; its label is {@code y_{k+1}} ({@link PromptSet#prefixTargets()}; for k = N the query and its
 *       target). The {@link #kShot k-shot problem} is the first k pairs with {@code x_{k+1}} as the query, so that a
 *       reference algorithm run on it predicts the same thing;</li>
 *   <li>any other layout (concatenated, the LSA): the query from the first k pairs, {@link PromptSet#prefix(int)};
 *       one model evaluation per k.</li>
 * </ul>
 * k = 0 exists only for layouts that predict every prefix (position 0: x_1 alone); every reference that starts from
 * w₀ = 0 predicts 0 there.
 */
public final class PrefixEvaluation {
    private PrefixEvaluation() {}

    /**
     * The k-shot problem of {@code base} in {@code layout}: B prompts of k pairs whose query is what the model
     * predicts after k pairs, with its label as target.
     *
     * @param k 1..N
     */
    public static PromptSet kShot(PromptSet base, PromptLayout layout, int k) {
        int n = base.n();
        if (k < 1 || k > n) {
            throw new IllegalArgumentException("k-shot problems need 1 <= k <= N = " + n + ", got " + k);
        }
        if (k == n) {
            return base;
        }
        if (!layout.predictsEveryPrefix()) {
            return base.prefix(k);
        }
        return nextInput(base, k);
    }

    /** The first k pairs of every prompt with {@code x_{k+1}} as the query and {@code y_{k+1}} as its target (k < N). */
    public static PromptSet nextInput(PromptSet base, int k) {
        int d = base.d();
        int b = base.size();
        int dd = d + 1;
        double[] tokens = new double[b * (k + 1) * dd]; // [B, k+1, d+1]
        double[] targets = new double[b];
        for (int p = 0; p < b; p++) {
            for (int i = 0; i < k; i++) {
                for (int c = 0; c < d; c++) {
                    tokens[(p * (k + 1) + i) * dd + c] = base.x(p, i, c);
                }
                tokens[(p * (k + 1) + i) * dd + d] = base.y(p, i);
            }
            for (int c = 0; c < d; c++) {
                tokens[(p * (k + 1) + k) * dd + c] = base.x(p, k, c);
            }
            targets[p] = base.y(p, k);
        }
        return new PromptSet(d, k, tokens, targets);
    }

    /**
     * The labels of the predictions after each of {@code ks}, {@code [K][B]}.
     */
    public static double[][] targets(PromptSet base, PromptLayout layout, int[] ks) {
        int n = base.n();
        double[][] out = new double[ks.length][];
        double[] prefix = layout.predictsEveryPrefix() ? base.prefixTargets() : null; // [B, N+1]
        for (int j = 0; j < ks.length; j++) {
            check(layout, n, ks[j]);
            if (prefix == null) {
                out[j] = base.targets();
            } else {
                out[j] = new double[base.size()];
                for (int b = 0; b < base.size(); b++) {
                    out[j][b] = prefix[b * (n + 1) + ks[j]];
                }
            }
        }
        return out;
    }

    /**
     * The model's predictions after each of {@code ks}, {@code [K][B]}: one pass of
     * {@link ModelUnderTest#prefixPredictions()} when the model has it, else one {@code predict} per k on the k-shot
     * problem.
     */
    public static double[][] model(ModelUnderTest model, PromptSet base, int[] ks) {
        int n = base.n();
        PromptLayout layout = model.layout();
        double[][] out = new double[ks.length][];
        if (model.prefixPredictions().isPresent()) {
            double[] all = model.prefixPredictions().get().prefixPredictions(base); // [B, N+1]
            for (int j = 0; j < ks.length; j++) {
                check(layout, n, ks[j]);
                out[j] = new double[base.size()];
                for (int b = 0; b < base.size(); b++) {
                    out[j][b] = all[b * (n + 1) + ks[j]];
                }
            }
            return out;
        }
        for (int j = 0; j < ks.length; j++) {
            check(layout, n, ks[j]);
            if (ks[j] == 0) {
                throw new IllegalArgumentException(model.name() + ": k = 0 needs prefix predictions");
            }
            out[j] = model.predict(kShot(base, layout, ks[j]));
        }
        return out;
    }

    /** Whether {@code k} can be evaluated for a model of {@code layout} (k = 0 only with prefix predictions). */
    private static void check(PromptLayout layout, int n, int k) {
        int min = layout.predictsEveryPrefix() ? 0 : 1;
        if (k < min || k > n) {
            throw new IllegalArgumentException("prefix length must be in " + min + ".." + n + " for the "
                    + layout.name() + " layout, got " + k);
        }
    }

    /** {@code 1..N}, or {@code 0..N} when {@code withZero}. */
    public static int[] lengths(int n, boolean withZero) {
        int from = withZero ? 0 : 1;
        int[] out = new int[n - from + 1];
        Arrays.setAll(out, i -> from + i);
        return out;
    }
}
