package org.descent.probe.builtin;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.descent.compare.Bootstrap;
import org.descent.probe.Evidence;
import org.descent.probe.Hypotheses;
import org.descent.probe.Probe;
import org.descent.probe.ProbeContext;
import org.descent.probe.ProbeResult;
import org.descent.probe.Verdict;
import org.descent.task.PromptSet;

/**
 * {@code order-sensitivity}: how much the model's prediction changes when the context examples are shuffled.
 * Full-batch GD, PGD, GD++ and least squares only see sums over the context and are exactly order-invariant; a model
 * whose predictions depend on the order is not running any of them.
 *
 * <p>Dimension glossary: {@code P} prompts (the first {@code prompts} test prompts), {@code R = permutations} random
 * context orders per prompt (plus the original), {@code N} context examples.
 *
 * <p>Effect size, on the common effect scale of the relative SPD: {@code mean_b Var_r ŷ_{b,r} / mean_b ŷ_b²}, the
 * within-prompt variance over orders as a fraction of the model's prediction energy (float32 models show about
 * 1e-14). Verdict {@code order-invariant}: at most {@code maxRelativeVariance} (a direct behavioural test of the
 * property, so sufficient for it). Every full-batch hypothesis is nested in {@code order-invariant}
 * ({@link Hypotheses#PARENTS}), so an order-sensitive model is inconsistent with all of them on the same evidence,
 * while invariance confirms none of them.
 */
public final class OrderSensitivityProbe implements Probe {
    public static final String NAME = "order-sensitivity";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "variance of predictions over permutations of the context (full-batch GD is invariant)";
    }

    @Override
    public Map<String, Object> defaultParameters() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("prompts", 1000);
        m.put("permutations", 8);
        m.put("maxRelativeVariance", 0.01);
        return m;
    }

    @Override
    public ProbeResult run(ProbeContext ctx) {
        int count = ctx.params().getInt("prompts", 2);
        int perms = ctx.params().getInt("permutations", 1);
        double tol = ctx.params().getDouble("maxRelativeVariance");
        PromptSet base = ctx.test().head(Math.min(count, ctx.test().size()));
        int p = base.size();
        double[][] preds = new double[perms + 1][];
        preds[0] = ctx.model().predict(base);
        SplittableRandom rng = new SplittableRandom(ctx.seed("order-permutations"));
        for (int r = 1; r <= perms; r++) {
            preds[r] = ctx.model().predict(permuted(base, rng));
        }
        double[] within = new double[p];
        double[] center = new double[p];
        for (int b = 0; b < p; b++) {
            double mean = 0;
            for (double[] pr : preds) {
                mean += pr[b];
            }
            mean /= preds.length;
            double var = 0;
            for (double[] pr : preds) {
                var += (pr[b] - mean) * (pr[b] - mean);
            }
            within[b] = var / (preds.length - 1);
            center[b] = mean;
        }
        Bootstrap.Interval rel = ctx.bootstrap().ratio("order-variance", within, ProbeStatistics.squares(center));
        double maxAbs = 0;
        for (int r = 1; r <= perms; r++) {
            for (int b = 0; b < p; b++) {
                maxAbs = Math.max(maxAbs, Math.abs(preds[r][b] - preds[0][b]));
            }
        }
        Evidence e = Evidence.decide("variance of ŷ over context orders / E[ŷ²]", rel, Evidence.Comparison.AT_MOST,
                tol).sufficient();
        ProbeResult.Builder out = ProbeResult.builder(NAME);
        out.metric("relative_variance", rel.estimate());
        out.metric("relative_variance_ci", List.of(rel.lower(), rel.upper()));
        out.metric("max_abs_change", maxAbs);
        out.metric("prompts", p);
        out.metric("permutations", perms);
        out.verdict(Verdict.of(Hypotheses.ORDER_INVARIANT, List.of(e)));
        out.paragraph(String.format(Locale.ROOT, "%d prompts, each under %d random orders of its %d context examples: "
                + "relative variance %s, largest change of a prediction %s.", p, perms, base.n(),
                ProbeStatistics.interval(rel), ProbeStatistics.num(maxAbs)));
        return out.build();
    }

    /** Every prompt with its context rows in a fresh random order (the query stays last). */
    static PromptSet permuted(PromptSet prompts, SplittableRandom rng) {
        int n = prompts.n();
        int dd = prompts.tokenDim();
        int per = (n + 1) * dd;
        double[] src = prompts.flatTokens();
        double[] dst = src.clone();
        int[] order = new int[n];
        for (int b = 0; b < prompts.size(); b++) {
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
            for (int i = n - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            for (int i = 0; i < n; i++) {
                System.arraycopy(src, b * per + order[i] * dd, dst, b * per + i * dd, dd);
            }
        }
        return new PromptSet(prompts.d(), n, dst, prompts.targets());
    }
}
