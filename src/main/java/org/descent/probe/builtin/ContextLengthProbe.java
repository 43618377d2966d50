package org.descent.probe.builtin;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.descent.compare.Bootstrap;
import org.descent.probe.Evidence;
import org.descent.probe.Hypotheses;
import org.descent.probe.Probe;
import org.descent.probe.ProbeContext;
import org.descent.probe.ProbeResult;
import org.descent.probe.Verdict;
import org.descent.regressor.InContextRegressor;
import org.descent.report.Plots;
import org.descent.task.PromptSet;

/**
 * {@code context-length}: test error against the number k of in-context examples (the k-shot problems of
 * {@link org.descent.probe.PrefixEvaluation#kShot}: for the concatenated layout the first k pairs with the query
 * unchanged, for layouts that predict every prefix the first k pairs with x_{k+1} as the query), for the model and the baselines: one GD step with the model's fitted step size η_fit (the same
 * algorithm run on fewer examples), OLS, ridge, averaging, and the zero predictor (E[y²]).
 *
 * <p>Dimension glossary: {@code P} prompts (the first {@code prompts} test prompts), {@code K} context lengths,
 * {@code N} the trained context length.
 *
 * <p>The prompts are the first {@code prompts} of the judge split; η_fit comes from the fit split
 * ({@link org.descent.probe.BehaviouralFits}). Effect size per hypothesis, on the common scale of the relative SPD:
 * {@code max_k E[(ŷ_model(k) − ŷ_ref(k))²] / E[ŷ_model(k)²]}, the worst prefix length. Verdicts (necessary: one GD
 * step with a fixed η, or OLS, on every prefix): {@code one-step-gd} (vs GD(η_fit)) and {@code ols-like} (vs OLS),
 * each at most {@code maxRelativeSpd} on a bootstrap interval. A model that rejects some lengths (e.g. positional
 * embeddings of fixed size) is probed on the lengths it accepts; with fewer than two, no verdicts are given.
 */
public final class ContextLengthProbe implements Probe {
    public static final String NAME = "context-length";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "error vs number of in-context examples, against GD, OLS, ridge, averaging and zero";
    }

    @Override
    public Map<String, Object> defaultParameters() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("lengths", List.of());
        m.put("prompts", 2000);
        m.put("maxRelativeSpd", 0.01);
        return m;
    }

    @Override
    public ProbeResult run(ProbeContext ctx) {
        int count = ctx.params().getInt("prompts", 2);
        double maxGap = ctx.params().getDouble("maxRelativeSpd");
        PromptSet judge = ctx.fits().judgeSet();
        PromptSet base = judge.head(Math.min(count, judge.size()));
        int n = base.n();
        List<Integer> lengths = ctx.params().getIntList("lengths");
        if (lengths.isEmpty()) {
            lengths = new ArrayList<>();
            for (int k = 1; k <= n; k++) {
                lengths.add(k);
            }
        }
        for (int k : lengths) {
            if (k < 1 || k > n) {
                throw new IllegalArgumentException("context-length: lengths must be in 1.." + n + ", got " + k);
            }
        }
        double etaFit = ctx.fits().etaFit();
        List<InContextRegressor> refs = new ArrayList<>();
        refs.add(ctx.references().ols());
        if (ctx.references().ridgeLambda() > 0) {
            refs.add(ctx.references().ridge());
        }
        refs.add(ctx.references().averaging());
        String gdName = String.format(Locale.ROOT, "GD(η_fit = %.4g)", etaFit);

        double[] y = base.targets();
        double[] y2 = ProbeStatistics.squares(y);
        List<Integer> used = new ArrayList<>();
        List<Integer> rejected = new ArrayList<>();
        List<double[]> seModel = new ArrayList<>();
        Map<String, List<double[]>> seRefs = new LinkedHashMap<>();
        seRefs.put(gdName, new ArrayList<>());
        refs.forEach(r -> seRefs.put(r.name(), new ArrayList<>()));
        String rejection = null;
        List<double[]> predModel = new ArrayList<>();
        List<double[]> predGd = new ArrayList<>();
        List<double[]> predOls = new ArrayList<>();
        for (int k : lengths) {
            PromptSet pk = org.descent.probe.PrefixEvaluation.kShot(base, ctx.model().layout(), k);
            double[] yk = pk.targets(); // the label of the prediction after k pairs (layout-dependent)
            double[] pm;
            try {
                pm = ctx.model().predict(pk);
            } catch (IllegalArgumentException | IllegalStateException e) {
                rejected.add(k);
                rejection = e.getMessage();
                continue;
            }
            used.add(k);
            seModel.add(ProbeStatistics.squaredDifferences(pm, yk));
            double[] avg = ctx.references().averaging().predict(pk);
            double[] gdk = ProbeStatistics.scaled(avg, etaFit);
            seRefs.get(gdName).add(ProbeStatistics.squaredDifferences(gdk, yk));
            predModel.add(pm);
            predGd.add(gdk);
            for (InContextRegressor r : refs) {
                double[] pr = r == ctx.references().averaging() ? avg : r.predict(pk);
                seRefs.get(r.name()).add(ProbeStatistics.squaredDifferences(pr, yk));
                if (r == ctx.references().ols()) {
                    predOls.add(pr);
                }
            }
        }

        ProbeResult.Builder out = ProbeResult.builder(NAME);
        double[] xs = used.stream().mapToDouble(Integer::doubleValue).toArray();
        Map<String, double[]> curves = new LinkedHashMap<>();
        curves.put("model", means(seModel));
        seRefs.forEach((name, se) -> curves.put(name, means(se)));
        double zero = ProbeStatistics.mean(y2);
        out.metric("lengths", used);
        out.metric("rejected_lengths", rejected);
        out.metric("mse_zero", zero);
        Map<String, Object> curveMetrics = new LinkedHashMap<>();
        curves.forEach(curveMetrics::put);
        out.metric("mse_curves", curveMetrics);
        out.metric("eta_fit", etaFit);

        List<List<String>> rows = new ArrayList<>();
        for (int i = 0; i < used.size(); i++) {
            List<String> row = new ArrayList<>();
            row.add(Integer.toString(used.get(i)));
            for (double[] c : curves.values()) {
                row.add(ProbeStatistics.num(c[i]));
            }
            rows.add(row);
        }
        List<String> header = new ArrayList<>();
        header.add("k");
        header.addAll(curves.keySet());

        if (used.size() >= 2) {
            Bootstrap.Interval gdGap = ctx.bootstrap().of("context-relative-spd-gd", y.length,
                    idx -> worstRelativeSpd(predModel, predGd, idx));
            Bootstrap.Interval olsGap = ctx.bootstrap().of("context-relative-spd-ols", y.length,
                    idx -> worstRelativeSpd(predModel, predOls, idx));
            Map<String, Object> gaps = new LinkedHashMap<>();
            gaps.put(gdName, gdGap.estimate());
            gaps.put(ctx.references().ols().name(), olsGap.estimate());
            out.metric("max_relative_spd", gaps);
            out.verdict(Verdict.of(Hypotheses.ONE_STEP_GD, List.of(Evidence.decide(
                    "max_k relative SPD vs GD(η_fit) over context lengths", gdGap, Evidence.Comparison.AT_MOST,
                    maxGap))));
            out.verdict(Verdict.of(Hypotheses.OLS_LIKE, List.of(Evidence.decide(
                    "max_k relative SPD vs OLS over context lengths", olsGap, Evidence.Comparison.AT_MOST, maxGap))));
        } else {
            out.note("the model accepted fewer than two context lengths; no verdicts");
        }
        if (!used.isEmpty()) {
            List<Plots.Curve> plot = new ArrayList<>();
            curves.forEach((name, c) -> plot.add(new Plots.Curve(name, xs, c)));
            out.figure("context-length", "test MSE vs number of in-context examples",
                    Plots.curves("Test MSE vs in-context examples", "k (context examples)", "MSE", plot, false));
        }
        out.table("Test MSE by context length (" + y.length + " prompts; zero predictor E[y²] = "
                + ProbeStatistics.num(zero) + ")", header, rows);
        if (!rejected.isEmpty()) {
            out.paragraph("The model rejected lengths " + rejected + ": " + rejection);
        }
        return out.build();
    }

    private static double[] means(List<double[]> se) {
        double[] out = new double[se.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ProbeStatistics.mean(se.get(i));
        }
        return out;
    }

    /** {@code max_k Σ_idx (m_k − r_k)² / Σ_idx m_k²} over the context lengths. */
    private static double worstRelativeSpd(List<double[]> model, List<double[]> ref, int[] idx) {
        double worst = 0;
        for (int k = 0; k < model.size(); k++) {
            double num = 0;
            double den = 0;
            double[] mk = model.get(k);
            double[] rk = ref.get(k);
            for (int i : idx) {
                double e = mk[i] - rk[i];
                num += e * e;
                den += mk[i] * mk[i];
            }
            worst = Math.max(worst, den == 0 ? Double.NaN : num / den);
        }
        return worst;
    }
}
