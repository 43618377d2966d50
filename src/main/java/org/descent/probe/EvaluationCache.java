package org.descent.probe;

import java.util.Map;
import org.descent.regressor.InContextRegressor;
import org.descent.regressor.QuerySensitivity;
import org.descent.task.PromptSet;

/**
 * Predictions and Jacobians on the run's test prompts, computed once per regressor instance and shared by all probes
 * of one run (keyed by object identity, so two oracles with the same name never collide).
 *
 * <p>Dimension glossary: {@code B} test prompts, {@code d} input dimension; predictions {@code [B]}, Jacobians
 * {@code [B][d]}. Arrays handed out are the cached ones: callers must not modify them.
 */
public final class EvaluationCache {
    private final PromptSet test;
    // Regressors keep identity equality; concurrent maps because a model and its controls are probed on two threads.
    private final Map<Object, double[]> predictions = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<Object, double[][]> jacobians = new java.util.concurrent.ConcurrentHashMap<>();

    private final EvaluationCache parent;

    /** A cache over the run's test prompts. */
    public EvaluationCache(PromptSet test) {
        this.test = test;
        this.parent = null;
    }

    private EvaluationCache(EvaluationCache parent, int count) {
        this.test = parent.test.head(count);
        this.parent = parent;
    }

    /**
     * A cache over the first {@code count} test prompts that reuses, by slicing, whatever this cache already holds
     * (the references evaluated for the model are not evaluated again for its controls).
     */
    public EvaluationCache head(int count) {
        if (count == test.size()) {
            return this;
        }
        if (count < 1 || count > test.size()) {
            throw new IllegalArgumentException("evaluation cache: a head of 1.." + test.size() + " prompts, got "
                    + count);
        }
        return new EvaluationCache(this, count);
    }

    /**
     * Predictions of {@code r} on the test prompts {@code [B]}. For a {@link org.descent.regressor.LinearInQuery}
     * the per-prompt weights are computed once and give both the Jacobians and the predictions {@code wᵀx_q}.
     */
    public double[] predictions(InContextRegressor r) {
        if (parent != null && parent.predictions.containsKey(r)) {
            return predictions.computeIfAbsent(r, k -> java.util.Arrays.copyOf(parent.predictions.get(r),
                    test.size()));
        }
        if (r instanceof org.descent.regressor.LinearInQuery linear) {
            return predictions.computeIfAbsent(r, k -> {
                double[][] w = jacobians(linear);
                double[] out = new double[w.length];
                for (int b = 0; b < w.length; b++) {
                    double s = 0;
                    for (int i = 0; i < w[b].length; i++) {
                        s += w[b][i] * test.xq(b, i);
                    }
                    out[b] = s;
                }
                return out;
            });
        }
        return predictions.computeIfAbsent(r, k -> checked(r.name(), r.predict(test)));
    }

    /** Jacobians of {@code r} on the test prompts {@code [B][d]}. */
    public double[][] jacobians(QuerySensitivity r) {
        if (parent != null && parent.jacobians.containsKey(r)) {
            return jacobians.computeIfAbsent(r, k -> java.util.Arrays.copyOf(parent.jacobians.get(r), test.size()));
        }
        return jacobians.computeIfAbsent(r, k -> {
            double[][] j = r.queryJacobians(test);
            if (j.length != test.size()) {
                throw new IllegalStateException(r.name() + " returned " + j.length + " Jacobians for " + test.size()
                        + " prompts");
            }
            return j;
        });
    }

    /**
     * How many of a regressor's predictions on the test prompts are NaN or infinite, and which.
     *
     * @param prompts B
     * @param nonFinite predictions that are NaN or ±∞
     * @param nan NaN ones
     * @param positiveInfinity +∞ ones
     * @param negativeInfinity −∞ ones
     * @param first the indices (0-based, into the test prompts) of the first up to {@value #LISTED} non-finite ones
     */
    public record PredictionCheck(int prompts, int nonFinite, int nan, int positiveInfinity, int negativeInfinity,
            java.util.List<Integer> first) {
        static final int LISTED = 20;

        public PredictionCheck {
            first = java.util.List.copyOf(first);
        }

        /** Checks predictions {@code [B]}. */
        public static PredictionCheck of(double[] p) {
            int nan = 0;
            int pos = 0;
            int neg = 0;
            java.util.List<Integer> first = new java.util.ArrayList<>();
            for (int i = 0; i < p.length; i++) {
                if (!Double.isFinite(p[i])) {
                    nan += Double.isNaN(p[i]) ? 1 : 0;
                    pos += p[i] == Double.POSITIVE_INFINITY ? 1 : 0;
                    neg += p[i] == Double.NEGATIVE_INFINITY ? 1 : 0;
                    if (first.size() < LISTED) {
                        first.add(i);
                    }
                }
            }
            return new PredictionCheck(p.length, nan + pos + neg, nan, pos, neg, first);
        }

        public boolean allFinite() {
            return nonFinite == 0;
        }

        public double fraction() {
            return prompts == 0 ? 0 : (double) nonFinite / prompts;
        }

        /** "12 of 10000 test prompts (0.12%: 10 NaN, 2 +Inf), first at #3, #17, ...". */
        public String describe() {
            java.util.List<String> kinds = new java.util.ArrayList<>();
            if (nan > 0) {
                kinds.add(nan + " NaN");
            }
            if (positiveInfinity > 0) {
                kinds.add(positiveInfinity + " +Inf");
            }
            if (negativeInfinity > 0) {
                kinds.add(negativeInfinity + " -Inf");
            }
            return String.format(java.util.Locale.ROOT, "%d of %d test prompts (%.4g%%: %s)%s", nonFinite, prompts,
                    100 * fraction(), String.join(", ", kinds), first.isEmpty() ? "" : ", first at prompt "
                    + first.stream().map(i -> "#" + i).collect(java.util.stream.Collectors.joining(", "))
                    + (nonFinite > first.size() ? ", ..." : ""));
        }

        /** The check as JSON-ready values (for metrics.json). */
        public java.util.Map<String, Object> toMap() {
            java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("test_prompts", prompts);
            m.put("non_finite", nonFinite);
            m.put("fraction", fraction());
            m.put("nan", nan);
            m.put("positive_infinity", positiveInfinity);
            m.put("negative_infinity", negativeInfinity);
            m.put("first_prompts", first);
            return m;
        }
    }

    /** Checks {@code r}'s (cached) predictions on the test prompts for NaN and infinite values. */
    public PredictionCheck check(InContextRegressor r) {
        return PredictionCheck.of(predictions(r));
    }

    private double[] checked(String name, double[] p) {
        if (p.length != test.size()) {
            throw new IllegalStateException(name + " returned " + p.length + " predictions for " + test.size()
                    + " prompts");
        }
        return p;
    }
}
