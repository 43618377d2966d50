package org.descent.probe.builtin;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.descent.compare.AlgorithmDistances;
import org.descent.compare.Bootstrap;
import org.descent.compare.PredictionMetrics;
import org.descent.probe.Evidence;
import org.descent.probe.Hypotheses;
import org.descent.probe.Probe;
import org.descent.probe.ProbeContext;
import org.descent.probe.ProbeResult;
import org.descent.probe.Verdict;
import org.descent.regressor.InContextRegressor;
import org.descent.regressor.QuerySensitivity;
import org.descent.task.PromptSet;

/**
 * {@code baseline-distance}: SPD and ILWD (Akyürek et al. 2023; README, Contracts) between the model and the classic
 * in-context baselines: OLS, ridge, 3-nearest neighbours, averaging, and GD(η*) for scale.
 *
 * <p>Dimension glossary: {@code B} test prompts, {@code P} ILWD prompts (the first {@code ilwdPrompts} test prompts),
 * {@code M = probeInputsPerDimension · d} probe inputs, {@code d} input dimension.
 *
 * <p>SPD = E[(ŷ_M − ŷ_R)²] on all test prompts, relative SPD = SPD / E[ŷ_M²]. ILWD: per prompt, the model and the
 * baseline are queried at M probe inputs (drawn from the task's input distribution) with the prompt's context, the
 * implicit linear weights ŵ are fitted by least squares ({@link AlgorithmDistances#implicitWeights}), and
 * ILWD = E‖ŵ_M − ŵ_R‖², relative ILWD = ILWD / E‖ŵ_M‖².
 *
 * <p>Verdict {@code ols-like}: relative SPD to OLS at most {@code maxRelativeSpd} (sufficient: OLS has no fitted
 * parameter, so every test prompt is held out) and relative ILWD to OLS at most {@code maxRelativeIlwd} (necessary),
 * on bootstrap intervals.
 */
public final class BaselineDistanceProbe implements Probe {
    public static final String NAME = "baseline-distance";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "SPD and ILWD against OLS, ridge, k-NN, averaging (and GD(η*)); verdict on OLS-like behaviour";
    }

    @Override
    public Map<String, Object> defaultParameters() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("maxRelativeSpd", 0.01);
        m.put("maxRelativeIlwd", 0.01);
        m.put("ilwdPrompts", 500);
        m.put("probeInputsPerDimension", 3);
        return m;
    }

    @Override
    public ProbeResult run(ProbeContext ctx) {
        double maxSpd = ctx.params().getDouble("maxRelativeSpd");
        double maxIlwd = ctx.params().getDouble("maxRelativeIlwd");
        int ilwdCount = ctx.params().getInt("ilwdPrompts", 2);
        int perDim = ctx.params().getInt("probeInputsPerDimension", 1);
        PromptSet test = ctx.test();
        double[] model = ctx.modelPredictions();
        double[] modelSquares = ProbeStatistics.squares(model);
        int d = test.d();
        int m = perDim * d;
        double[][] probes = AlgorithmDistances.probesFromQueries(ctx.prompts().draw("ilwd-probe-inputs", m), m);
        PromptSet ilwdSet = test.head(Math.min(ilwdCount, test.size()));
        double[][] wModel = AlgorithmDistances.implicitWeights(ctx.model(), ilwdSet, probes);

        List<QuerySensitivity> refs = new ArrayList<>();
        refs.add(ctx.references().ols());
        if (ctx.references().ridgeLambda() > 0) {
            refs.add(ctx.references().ridge());
        }
        refs.add(ctx.references().nearestNeighbors());
        refs.add(ctx.references().averaging());
        refs.add(ctx.references().gdStar());

        ProbeResult.Builder out = ProbeResult.builder(NAME);
        Map<String, Object> perRef = new LinkedHashMap<>();
        List<List<String>> rows = new ArrayList<>();
        Bootstrap.Interval olsSpd = null;
        Bootstrap.Interval olsIlwd = null;
        String closest = null;
        double closestSpd = Double.POSITIVE_INFINITY;
        for (InContextRegressor r : refs) {
            double[] pr = ctx.predictions(r);
            Bootstrap.Interval rel = ctx.bootstrap().ratio("baseline-spd-" + r.name(),
                    ProbeStatistics.squaredDifferences(model, pr), modelSquares);
            double spd = PredictionMetrics.mse(model, pr);
            double[][] wRef = AlgorithmDistances.implicitWeights(r, ilwdSet, probes);
            double[] num = new double[wRef.length];
            double[] den = new double[wRef.length];
            for (int b = 0; b < wRef.length; b++) {
                for (int k = 0; k < d; k++) {
                    double e = wModel[b][k] - wRef[b][k];
                    num[b] += e * e;
                    den[b] += wModel[b][k] * wModel[b][k];
                }
            }
            double ilwd = ProbeStatistics.mean(num);
            Bootstrap.Interval relIlwd = ctx.bootstrap().ratio("baseline-ilwd-" + r.name(), num, den);
            Map<String, Object> mm = new LinkedHashMap<>();
            mm.put("spd", spd);
            mm.put("relative_spd", rel.estimate());
            mm.put("relative_spd_ci", List.of(rel.lower(), rel.upper()));
            mm.put("ilwd", ilwd);
            mm.put("relative_ilwd", relIlwd.estimate());
            mm.put("relative_ilwd_ci", List.of(relIlwd.lower(), relIlwd.upper()));
            mm.put("mse", PredictionMetrics.mse(pr, test.targets()));
            perRef.put(r.name(), mm);
            rows.add(List.of(r.name(), ProbeStatistics.num((double) mm.get("mse")), ProbeStatistics.num(spd),
                    ProbeStatistics.interval(rel), ProbeStatistics.num(ilwd), ProbeStatistics.interval(relIlwd)));
            if (r == ctx.references().ols()) {
                olsSpd = rel;
                olsIlwd = relIlwd;
            }
            if (spd < closestSpd) {
                closestSpd = spd;
                closest = r.name();
            }
        }
        out.metric("baselines", perRef);
        out.metric("closest_baseline", closest);
        out.metric("ilwd_prompts", ilwdSet.size());
        out.metric("probe_inputs", m);
        out.verdict(Verdict.of(Hypotheses.OLS_LIKE, List.of(
                Evidence.decide("relative SPD vs OLS", olsSpd, Evidence.Comparison.AT_MOST, maxSpd).sufficient(),
                Evidence.decide("relative ILWD vs OLS", olsIlwd, Evidence.Comparison.AT_MOST, maxIlwd))));
        out.table("Distances to the baselines (SPD on " + test.size() + " prompts, ILWD on " + ilwdSet.size()
                + " prompts × " + m + " probe inputs)", List.of("baseline", "MSE", "SPD", "relative SPD [95% CI]",
                        "ILWD", "relative ILWD [95% CI]"), rows);
        out.paragraph(String.format(Locale.ROOT, "Closest baseline by SPD: **%s**. ILWD fits the implicit linear weights"
                + " ŵ of each algorithm from its answers at %d probe inputs x' drawn from the task's input distribution "
                + "(the context held fixed) and reports E‖ŵ_model − ŵ_baseline‖².", closest, m));
        return out.build();
    }
}
