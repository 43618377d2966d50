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
 * {@code context-length}: test error against the number k of in-context examples (the first k of each prompt, the
 * query unchanged), for the model and the baselines: one GD step with the model's fitted step size η_fit (the same
 * algorithm run on fewer examples), OLS, ridge, averaging, and the zero predictor (E[y²]).
 *
 * <p>Dimension glossary: {@code P} prompts (the first {@code prompts} test prompts), {@code K} context lengths,
 * {@code N} the trained context length.
 *
 * <p>Effect size per reference: {@code max_k |MSE_model(k) − MSE_ref(k)| / E[y²]}, the largest gap between the two
 * error curves in units of the zero predictor's error. Verdicts: {@code one-step-gd} (vs GD(η_fit)) and
 * {@code ols-like} (vs OLS), each needing the gap at most {@code maxGap} on a bootstrap interval. A model that
 * rejects some lengths (e.g. positional embeddings of fixed size) is probed on the lengths it accepts; with fewer
 * than two, no verdicts are given.
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
        m.put("maxGap", 0.02);
        return m;
    }

    @Override
    public ProbeResult run(ProbeContext ctx) {
        int count = ctx.params().getInt("prompts", 2);
        double maxGap = ctx.params().getDouble("maxGap");
        PromptSet base = ctx.test().head(Math.min(count, ctx.test().size()));
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
        double etaFit = ProbeStatistics.leastSquaresScale(ctx.modelPredictions(),
                ctx.predictions(ctx.references().averaging()));
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
        for (int k : lengths) {
            PromptSet pk = base.prefix(k);
            double[] pm;
            try {
                pm = ctx.model().predict(pk);
            } catch (IllegalArgumentException | IllegalStateException e) {
                rejected.add(k);
                rejection = e.getMessage();
                continue;
            }
            used.add(k);
            seModel.add(ProbeStatistics.squaredDifferences(pm, y));
            double[] avg = ctx.references().averaging().predict(pk);
            seRefs.get(gdName).add(ProbeStatistics.squaredDifferences(ProbeStatistics.scaled(avg, etaFit), y));
            for (InContextRegressor r : refs) {
                double[] pr = r == ctx.references().averaging() ? avg : r.predict(pk);
                seRefs.get(r.name()).add(ProbeStatistics.squaredDifferences(pr, y));
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
            Map<String, Object> gaps = new LinkedHashMap<>();
            Bootstrap.Interval gdGap = null;
            Bootstrap.Interval olsGap = null;
            for (Map.Entry<String, List<double[]>> e : seRefs.entrySet()) {
                List<double[]> se = e.getValue();
                Bootstrap.Interval gap = ctx.bootstrap().of("context-gap-" + e.getKey(), y.length,
                        idx -> maxGap(seModel, se, y2, idx));
                gaps.put(e.getKey(), gap.estimate());
                if (e.getKey().equals(gdName)) {
                    gdGap = gap;
                } else if (e.getKey().equals(ctx.references().ols().name())) {
                    olsGap = gap;
                }
            }
            out.metric("max_gap", gaps);
            out.verdict(Verdict.allOf(Hypotheses.ONE_STEP_GD, List.of(Evidence.decide(
                    "max_k |MSE gap| / E[y²] vs GD(η_fit)", gdGap, Evidence.Comparison.AT_MOST, maxGap))));
            out.verdict(Verdict.allOf(Hypotheses.OLS_LIKE, List.of(Evidence.decide(
                    "max_k |MSE gap| / E[y²] vs OLS", olsGap, Evidence.Comparison.AT_MOST, maxGap))));
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

    private static double maxGap(List<double[]> model, List<double[]> ref, double[] y2, int[] idx) {
        double z = 0;
        for (int i : idx) {
            z += y2[i];
        }
        double worst = 0;
        for (int k = 0; k < model.size(); k++) {
            double a = 0;
            double b = 0;
            double[] mk = model.get(k);
            double[] rk = ref.get(k);
            for (int i : idx) {
                a += mk[i];
                b += rk[i];
            }
            worst = Math.max(worst, Math.abs(a - b) / z);
        }
        return worst;
    }
}
