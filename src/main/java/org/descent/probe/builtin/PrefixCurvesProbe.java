package org.descent.probe.builtin;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.descent.compare.Bootstrap;
import org.descent.oracle.IterativeNewtonOracle;
import org.descent.probe.Evidence;
import org.descent.probe.PrefixEvaluation;
import org.descent.probe.Probe;
import org.descent.probe.ProbeContext;
import org.descent.probe.ProbeResult;
import org.descent.regressor.InContextRegressor;
import org.descent.report.Plots;
import org.descent.task.PromptSet;
import org.descent.task.layout.PromptLayout;

/**
 * {@code prefix-curves}: the model against GD-k-style references after every prefix length k, through the model's
 * {@link PromptLayout} ({@link PrefixEvaluation}): one pass of prefix predictions for causal interleaved models
 * (k = 0..N), the k-shot prompts otherwise (k = 1..N).
 *
 * <p>Dimension glossary: {@code B} judge prompts (the first {@code prompts} of the judge split), {@code K} prefix
 * lengths, {@code d} input dimension, {@code N} context pairs.
 *
 * <p>References, each run on the first k pairs of the same prompts and fitted (where they have a free parameter) on
 * the fit split at k = N, as the other probes do ({@link org.descent.probe.BehaviouralFits}): one GD step with
 * η_fit; min-norm OLS; ridge with the run's λ; Iterative Newton with (iterations, α) fitted to the model at every k
 * on the fit split ({@link IterativeNewtonOracle#fit}); the zero predictor (every reference is 0 at k = 0).
 *
 * <p>Per k: the MSE against the true label of the model and of every reference, each with a bootstrap interval over
 * prompts; the reference closest to the model ({@code argmin_r mean (ŷ_model − ŷ_r)²}) with an interval on its lead
 * over the runner-up (both identities fixed from the full sample, the lead recomputed in every resample, so it can be
 * negative), reported as a <b>tie</b> of the two when the interval includes 0; and a regime check:
 * <ul>
 *   <li>k ≥ d: <b>near OLS</b>: the relative SPD {@code Σ(ŷ_model − ŷ_OLS)² / Σ ŷ_model²} at most
 *       {@code maxRelativeSpd};</li>
 *   <li>1 ≤ k &lt; d: <b>between one-step GD and OLS</b>: {@code min(MSE_model − lo, hi − MSE_model) / E[y²] ≥ 0}
 *       with lo, hi the smaller and larger of MSE_GD and MSE_OLS.</li>
 * </ul>
 * Each regime check is decided on its interval like any criterion (consistent / inconsistent / inconclusive) and
 * reported per k in the table and metrics; the probe gives no hypothesis verdicts ({@code context-length} gives the
 * whole-curve ones), so it adds no evidence to the summary.
 */
public final class PrefixCurvesProbe implements Probe {
    public static final String NAME = "prefix-curves";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "per prefix length k: error vs k of the model, GD(η_fit), OLS, ridge, Newton and zero, the closest"
                + " reference and near-OLS / between-GD-and-OLS checks";
    }

    @Override
    public Map<String, Object> defaultParameters() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("prompts", 1000);
        m.put("maxRelativeSpd", 0.01);
        m.put("maxNewtonIterations", 5);
        m.put("newtonFitPrompts", 1000);
        return m;
    }

    @Override
    public ProbeResult run(ProbeContext ctx) {
        int count = ctx.params().getInt("prompts", 2);
        double tol = ctx.params().getDouble("maxRelativeSpd");
        int maxNewton = ctx.params().getInt("maxNewtonIterations", 0);
        int newtonFit = ctx.params().getInt("newtonFitPrompts", 2);
        PromptLayout layout = ctx.model().layout();
        PromptSet judge = ctx.fits().judgeSet();
        PromptSet base = judge.head(Math.min(count, judge.size()));
        int n = base.n();
        int d = base.d();
        int[] ks = PrefixEvaluation.lengths(n, ctx.model().prefixPredictions().isPresent());
        double[][] model = PrefixEvaluation.model(ctx.model(), base, ks); // [K][B]
        double[][] y = PrefixEvaluation.targets(base, layout, ks); // [K][B]

        double etaFit = ctx.fits().etaFit();
        int nf = Math.min(newtonFit, ctx.fits().fitSet().size());
        // Newton's α is not scale-free: one fitted at k = N can exceed 2/λ_max(S)² of a short prefix, where the
        // iteration diverges doubly exponentially. So (iterations, α) are fitted to the model at every k, on the
        // fit split's k-shot prompts, and judged on the judge split's.
        PromptSet fitBase = ctx.fits().fitSet().head(nf);
        double[][] modelOnFit = PrefixEvaluation.model(ctx.model(), fitBase, ks); // [K][nf]
        IterativeNewtonOracle[] newtonAt = new IterativeNewtonOracle[ks.length];
        List<Map<String, Object>> newtonFits = new ArrayList<>();
        for (int j = 0; j < ks.length; j++) {
            if (ks[j] == 0) {
                continue;
            }
            IterativeNewtonOracle.Fit f = IterativeNewtonOracle.fit(PrefixEvaluation.kShot(fitBase, layout, ks[j]),
                    modelOnFit[j], maxNewton).best();
            newtonAt[j] = f.toOracle();
            newtonFits.add(Map.of("k", ks[j], "iterations", f.iterations(), "alpha", f.alpha()));
        }
        String newtonName = "Newton (fitted per k)";
        Map<String, InContextRegressor> refs = new LinkedHashMap<>();
        refs.put(String.format(Locale.ROOT, "GD(η_fit = %.4g)", etaFit), null); // η_fit · averaging
        refs.put("OLS", ctx.references().ols());
        if (ctx.references().ridgeLambda() > 0) {
            refs.put(String.format(Locale.ROOT, "ridge(λ = %.3g)", ctx.references().ridgeLambda()),
                    ctx.references().ridge());
        }
        refs.put(newtonName, null);
        refs.put("zero", null);
        List<String> names = new ArrayList<>(refs.keySet());
        String gdName = names.get(0);
        // predictions [ref][K][B]
        Map<String, double[][]> pred = new LinkedHashMap<>();
        names.forEach(r -> pred.put(r, new double[ks.length][]));
        for (int j = 0; j < ks.length; j++) {
            int k = ks[j];
            if (k == 0) {
                for (String r : names) {
                    pred.get(r)[j] = new double[base.size()];
                }
                continue;
            }
            PromptSet pk = PrefixEvaluation.kShot(base, layout, k);
            for (String r : names) {
                double[] p;
                if (r.equals(gdName)) {
                    p = ProbeStatistics.scaled(ctx.references().averaging().predict(pk), etaFit);
                } else if (r.equals("zero")) {
                    p = new double[base.size()];
                } else if (r.equals(newtonName)) {
                    p = newtonAt[j].predict(pk);
                } else {
                    p = refs.get(r).predict(pk);
                }
                pred.get(r)[j] = p;
            }
        }

        ProbeResult.Builder out = ProbeResult.builder(NAME);
        Map<String, Object> curves = new LinkedHashMap<>();
        Map<String, double[]> mse = new LinkedHashMap<>();
        List<String> curveNames = new ArrayList<>();
        curveNames.add("model");
        curveNames.addAll(names);
        Map<String, Bootstrap.Interval[]> mseCi = new LinkedHashMap<>();
        for (String c : curveNames) {
            double[][] p = c.equals("model") ? model : pred.get(c);
            Bootstrap.Interval[] ci = new Bootstrap.Interval[ks.length];
            double[] est = new double[ks.length];
            double[] lo = new double[ks.length];
            double[] hi = new double[ks.length];
            for (int j = 0; j < ks.length; j++) {
                ci[j] = ctx.bootstrap().mean("mse-" + c + "-" + ks[j], ProbeStatistics.squaredDifferences(p[j],
                        y[j]));
                est[j] = ci[j].estimate();
                lo[j] = ci[j].lower();
                hi[j] = ci[j].upper();
            }
            mseCi.put(c, ci);
            mse.put(c, est);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", c);
            m.put("mse", est);
            m.put("lower", lo);
            m.put("upper", hi);
            curves.put(key(c), m);
        }
        double[] power = new double[ks.length];
        for (int j = 0; j < ks.length; j++) {
            power[j] = ProbeStatistics.mean(ProbeStatistics.squares(y[j]));
        }

        List<Map<String, Object>> perK = new ArrayList<>();
        List<List<String>> rows = new ArrayList<>();
        List<String> candidates = names;
        for (int j = 0; j < ks.length; j++) {
            int k = ks[j];
            final int jj = j;
            double[][] sq = new double[candidates.size()][];
            for (int r = 0; r < candidates.size(); r++) {
                sq[r] = ProbeStatistics.squaredDifferences(model[j], pred.get(candidates.get(r))[j]);
            }
            double[] full = means(sq, null);
            int best = argmin(full);
            int runnerUp = runnerUp(full, best);
            Bootstrap.Interval lead = ctx.bootstrap().of("lead-" + k, base.size(), idx -> lead(sq, best, runnerUp,
                    idx));
            boolean tie = tie(lead);
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("k", k);
            e.put("closest", candidates.get(best));
            e.put("runner_up", candidates.get(runnerUp));
            e.put("tie", tie);
            e.put("lead_over_runner_up", Map.of("estimate", lead.estimate(), "lower", lead.lower(), "upper",
                    lead.upper()));
            String regime = "";
            Evidence check = null;
            if (k >= d) {
                regime = "near OLS";
                check = Evidence.decide("relative SPD vs OLS at k = " + k, ctx.bootstrap().ratio("ols-" + k,
                        ProbeStatistics.squaredDifferences(model[j], pred.get("OLS")[j]),
                        ProbeStatistics.squares(model[j])), Evidence.Comparison.AT_MOST, tol);
            } else if (k >= 1) {
                regime = "between one-step GD and OLS";
                double[] sm = ProbeStatistics.squaredDifferences(model[jj], y[jj]);
                double[] sg = ProbeStatistics.squaredDifferences(pred.get(gdName)[jj], y[jj]);
                double[] so = ProbeStatistics.squaredDifferences(pred.get("OLS")[jj], y[jj]);
                double[] yy = ProbeStatistics.squares(y[jj]);
                check = Evidence.decide("MSE between GD and OLS at k = " + k, ctx.bootstrap().of("between-" + k,
                        base.size(), idx -> between(sm, sg, so, yy, idx)), Evidence.Comparison.AT_LEAST, 0);
            }
            if (check != null) {
                e.put("regime", regime);
                e.put("regime_statistic", check.effectSize());
                e.put("regime_interval", List.of(check.lower(), check.upper()));
                e.put("regime_outcome", check.outcome().label());
            }
            perK.add(e);
            List<String> row = new ArrayList<>();
            row.add(Integer.toString(k));
            row.add(ProbeStatistics.interval(mseCi.get("model")[j]));
            for (String c : names) {
                row.add(ProbeStatistics.num(mse.get(c)[j]));
            }
            row.add((tie ? "tie: " + candidates.get(best) + " ≈ " + candidates.get(runnerUp) : candidates.get(best))
                    + " (lead over " + candidates.get(runnerUp) + " " + ProbeStatistics.interval(lead) + ")");
            row.add(check == null ? "—" : regime + ": " + check.outcome().label() + " ("
                    + ProbeStatistics.num(check.effectSize()) + " " + check.intervalText() + ", needs "
                    + check.requirement() + ")");
            rows.add(row);
        }
        out.metric("lengths", java.util.Arrays.stream(ks).boxed().toList());
        out.metric("layout", layout.name());
        out.metric("prompts", base.size());
        out.metric("eta_fit", etaFit);
        out.metric("newton_fit", newtonFits);
        out.metric("label_power", power);
        out.metric("mse_curves", curves);
        out.metric("per_k", perK);
        List<String> header = new ArrayList<>();
        header.add("k");
        header.add("model MSE [95% CI]");
        names.forEach(c -> header.add(c + " MSE"));
        header.add("closest reference, or a tie (lead over the runner-up in SPD)");
        header.add("regime check");
        out.table(String.format(Locale.ROOT, "Per prefix length: MSE vs the true label, the closest reference and the"
                + " regime check (%d judge prompts, %s layout, d = %d)", base.size(), layout.name(), d), header, rows);
        double[] xs = java.util.Arrays.stream(ks).asDoubleStream().toArray();
        List<Plots.Curve> plot = new ArrayList<>();
        plot.add(new Plots.Curve("model", xs, mse.get("model")));
        plot.add(new Plots.Curve("model 95% lower", xs, lower(mseCi.get("model"))));
        plot.add(new Plots.Curve("model 95% upper", xs, upper(mseCi.get("model"))));
        names.forEach(c -> plot.add(new Plots.Curve(c, xs, mse.get(c))));
        out.figure("prefix-curves", "MSE vs prefix length k (model with its bootstrap band, and the references)",
                Plots.curves("MSE vs prefix length", "k (context pairs seen)", "MSE", plot, false));
        out.paragraph("GD's η_fit is fitted to the model on the fit split at k = N and run unchanged on every prefix;"
                + " Newton's (iterations, α) are fitted to the model at every k on the fit split's k-shot prompts (α is"
                + " not scale-free: one fitted at k = N diverges on short prefixes). The regime checks do not enter the"
                + " hypothesis summary.");
        return out.build();
    }

    /** The reference with the second-smallest mean distance (full sample). */
    static int runnerUp(double[] means, int best) {
        int r = best == 0 ? 1 : 0;
        for (int i = 0; i < means.length; i++) {
            if (i != best && means[i] < means[r]) {
                r = i;
            }
        }
        return r;
    }

    /**
     * The lead of the full-sample winner over the full-sample runner-up on the resampled prompts: {@code mean SPD to
     * runnerUp − mean SPD to best}. Both identities stay fixed across resamples, so the lead can be negative and its
     * interval can include 0 (recomputing the winner per resample made it ≥ 0 by construction).
     */
    static double lead(double[][] sq, int best, int runnerUp, int[] idx) {
        double[] m = means(sq, idx);
        return m[runnerUp] - m[best];
    }

    /** A tie: the interval of the lead includes 0, so the winner is not resolved from the runner-up. */
    static boolean tie(Bootstrap.Interval lead) {
        return !(lead.lower() > 0);
    }

    /** {@code min(MSE_m − lo, hi − MSE_m) / E[y²]} on the resampled prompts. */
    static double between(double[] sm, double[] sg, double[] so, double[] yy, int[] idx) {
        double m = 0;
        double g = 0;
        double o = 0;
        double p = 0;
        for (int i : idx) {
            m += sm[i];
            g += sg[i];
            o += so[i];
            p += yy[i];
        }
        double lo = Math.min(g, o);
        double hi = Math.max(g, o);
        return p == 0 ? Double.NaN : Math.min(m - lo, hi - m) / p;
    }

    private static double[] means(double[][] sq, int[] idx) {
        double[] out = new double[sq.length];
        for (int r = 0; r < sq.length; r++) {
            double s = 0;
            int n = idx == null ? sq[r].length : idx.length;
            for (int i = 0; i < n; i++) {
                s += sq[r][idx == null ? i : idx[i]];
            }
            out[r] = s / n;
        }
        return out;
    }

    private static int argmin(double[] v) {
        int b = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] < v[b]) {
                b = i;
            }
        }
        return b;
    }

    private static double[] lower(Bootstrap.Interval[] ci) {
        return java.util.Arrays.stream(ci).mapToDouble(Bootstrap.Interval::lower).toArray();
    }

    private static double[] upper(Bootstrap.Interval[] ci) {
        return java.util.Arrays.stream(ci).mapToDouble(Bootstrap.Interval::upper).toArray();
    }

    /** A curve name as a metric key: {@code GD(η_fit = 1.5)} → {@code gd_eta_fit_1_5}. */
    static String key(String name) {
        String k = name.toLowerCase(Locale.ROOT).replace("η", "eta").replace("λ", "lambda").replace("α", "alpha")
                .replace("×", "_x").replaceAll("[^a-z0-9]+", "_").replaceAll("^_+|_+$", "");
        return k.isEmpty() ? "curve" : k;
    }
}
