package org.descent.probe.builtin;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.descent.compare.Bootstrap;
import org.descent.compare.PredictionMetrics;
import org.descent.probe.Evidence;
import org.descent.probe.Hypotheses;
import org.descent.probe.Probe;
import org.descent.probe.ProbeContext;
import org.descent.probe.ProbeResult;
import org.descent.probe.Verdict;
import org.descent.regressor.QuerySensitivity;

/**
 * {@code gd-alignment}: how closely the model's predictions and query sensitivities match one step of gradient
 * descent and the other standard references (von Oswald et al. 2023).
 *
 * <p>Dimension glossary: {@code B} test prompts (split into fit and judge halves, {@link
 * org.descent.probe.BehaviouralFits}), {@code d} input dimension; {@code h = Σ y_i x_i / N [d]}.
 *
 * <p>For every reference R (GD(η*), PGD(Γ*), OLS, ridge, averaging, 3-NN), on all test prompts: MSE, preds diff,
 * preds RMS, SPD, relative SPD {@code E[(ŷ_M − ŷ_R)²] / E[ŷ_M²]}, explained variance {@code 1 − SPD / Var(ŷ_M)}, and,
 * when the model exposes Jacobians, model diff and model cos (these references have no fitted parameters).
 *
 * <p>One-step GD is tested up to its step size: η_fit is the least-squares scale of ŷ_M on {@code x_q·h} over the
 * <b>fit split</b>; every criterion below is measured on the <b>judge split</b>.
 * <ul>
 *   <li>{@code one-step-gd}: relative SPD to GD(η_fit) at most {@code maxRelativeSpd} (sufficient); η_fit &gt; 0 on
 *       its bootstrap interval (necessary: η &lt; 0 is gradient ascent); model cos against GD (the Jacobian of one GD
 *       step is η h) at least {@code minModelCos} (necessary).</li>
 *   <li>{@code optimal-one-step-gd} (the claim {@code descent verify} tests): relative SPD to GD(η*) at most
 *       {@code maxRelativeSpd} (sufficient; η* is not fitted), and the model cos (necessary).</li>
 * </ul>
 * Tolerances are on the common effect scale of descent: a relative SPD ε is a discrepancy of ε of the model's own
 * prediction energy; the cosine default 1 − ε/2 is the cosine of two Jacobians whose relative squared error is ε.
 */
public final class GdAlignmentProbe implements Probe {
    public static final String NAME = "gd-alignment";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "preds diff, model diff, model cos and SPD against GD(η*) and the other references; held-out verdicts on"
                + " one-step GD (η_fit) and optimal one-step GD (η*)";
    }

    @Override
    public Map<String, Object> defaultParameters() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("minModelCos", 0.995);
        m.put("maxRelativeSpd", 0.01);
        return m;
    }

    @Override
    public ProbeResult run(ProbeContext ctx) {
        double minCos = ctx.params().getDouble("minModelCos");
        double maxRelSpd = ctx.params().getDouble("maxRelativeSpd");
        double[] y = ctx.test().targets();
        double[] model = ctx.modelPredictions();
        Optional<double[][]> jacModel = ctx.modelJacobians();
        QuerySensitivity averaging = ctx.references().averaging();
        double[] xqh = ctx.predictions(averaging); // x_q·h, the prediction of GD with η = 1
        org.descent.probe.BehaviouralFits fits = ctx.fits();
        double etaFit = fits.etaFit(); // fitted on the fit split only
        double etaStar = ctx.references().etaStar().eta();
        double[] gdFit = ProbeStatistics.scaled(xqh, etaFit);
        double varModel = ProbeStatistics.mean(ProbeStatistics.squaredDeviations(model));
        double[] modelSquares = ProbeStatistics.squares(model);
        double energy = ProbeStatistics.mean(modelSquares);

        ProbeResult.Builder out = ProbeResult.builder(NAME);
        out.metric("mse.model", PredictionMetrics.mse(model, y));
        out.metric("eta_star", etaStar);
        out.metric("eta_star_method", ctx.references().etaStar().method());
        out.metric("eta_fit", etaFit);
        out.metric("eta_fit_over_eta_star", etaFit / etaStar);

        List<List<String>> rows = new ArrayList<>();
        Map<String, Object> perRef = new LinkedHashMap<>();
        String best = null;
        double bestEv = Double.NEGATIVE_INFINITY;
        List<QuerySensitivity> refs = ctx.references().standard();
        for (QuerySensitivity r : refs) {
            double[] pr = ctx.predictions(r);
            Map<String, Object> m = new LinkedHashMap<>();
            double spd = PredictionMetrics.mse(model, pr);
            double ev = varModel > 0 ? 1 - spd / varModel : Double.NaN;
            m.put("mse", PredictionMetrics.mse(pr, y));
            m.put("preds_diff", PredictionMetrics.predsDiff(model, pr));
            m.put("preds_rms", PredictionMetrics.predsRms(model, pr));
            m.put("spd", spd);
            m.put("relative_spd", energy > 0 ? spd / energy : Double.NaN);
            m.put("explained_variance", ev);
            double diff = Double.NaN;
            double cos = Double.NaN;
            if (jacModel.isPresent()) {
                double[][] jr = ctx.jacobians(r);
                diff = PredictionMetrics.modelDiff(jacModel.get(), jr);
                cos = PredictionMetrics.modelCos(jacModel.get(), jr);
                m.put("model_diff", diff);
                m.put("model_cos", cos);
            }
            perRef.put(r.name(), m);
            if (ev > bestEv) {
                bestEv = ev;
                best = r.name();
            }
            rows.add(List.of(r.name(), ProbeStatistics.num((double) m.get("mse")),
                    ProbeStatistics.num((double) m.get("preds_diff")), ProbeStatistics.num(spd),
                    ProbeStatistics.num((double) m.get("relative_spd")), ProbeStatistics.num(ev),
                    ProbeStatistics.num(diff), ProbeStatistics.num(cos)));
        }
        // GD with the model's own step size competes too: a GD model with a non-optimal η is explained by it
        double spdFit = PredictionMetrics.mse(model, gdFit);
        double evFit = varModel > 0 ? 1 - spdFit / varModel : Double.NaN;
        perRef.put("GD(η_fit)", Map.of("spd", spdFit, "explained_variance", evFit, "eta", etaFit));
        rows.add(List.of("GD(η_fit = " + ProbeStatistics.num(etaFit) + ")", ProbeStatistics.num(PredictionMetrics.mse(
                gdFit, y)), ProbeStatistics.num(PredictionMetrics.predsDiff(model, gdFit)), ProbeStatistics.num(spdFit),
                ProbeStatistics.num(energy > 0 ? spdFit / energy : Double.NaN), ProbeStatistics.num(evFit), "", ""));
        if (evFit > bestEv + 1e-6) { // only when clearly better: an exact GD(η*) model keeps GD(η*)
            bestEv = evFit;
            best = "GD(η_fit)";
        }
        out.metric("references", perRef);
        out.metric("best_reference", best);
        out.metric("best_explained_variance", bestEv);

        // Held-out verdicts: η_fit from the fit split, every criterion on the judge split.
        int off = fits.judgeOffset();
        double[] modelJ = fits.modelOnJudge();
        double[] xqhJ = java.util.Arrays.copyOfRange(xqh, off, xqh.length);
        double[] modelJSquares = ProbeStatistics.squares(modelJ);
        double[] xqhF = java.util.Arrays.copyOf(xqh, off);
        double[] modelF = fits.modelOnFit();
        Bootstrap.Interval etaCi = ctx.bootstrap().ratio("eta-fit", ProbeStatistics.products(xqhF, modelF),
                ProbeStatistics.squares(xqhF));
        out.metric("eta_fit_ci", List.of(etaCi.lower(), etaCi.upper()));
        List<Evidence> common = new ArrayList<>();
        if (jacModel.isPresent()) {
            double[][] jm = ProbeStatistics.rows(jacModel.get(), off, xqh.length);
            double[][] ja = ProbeStatistics.rows(ctx.jacobians(averaging), off, xqh.length);
            Bootstrap.Interval ci = ctx.bootstrap().mean("model-cos-gd", ProbeStatistics.cosines(jm, ja));
            out.metric("model_cos_gd", ci.estimate());
            common.add(Evidence.decide("model cos vs GD", ci, Evidence.Comparison.AT_LEAST, minCos));
        }
        Bootstrap.Interval rel = ctx.bootstrap().ratio("relative-spd-gd-fit",
                ProbeStatistics.squaredDifferences(modelJ, ProbeStatistics.scaled(xqhJ, etaFit)), modelJSquares);
        out.metric("relative_spd_gd_fit", rel.estimate());
        List<Evidence> evidence = new ArrayList<>();
        evidence.add(Evidence.decide("relative SPD vs GD(η_fit), held out", rel, Evidence.Comparison.AT_MOST,
                maxRelSpd).sufficient());
        evidence.add(Evidence.decide("η_fit > 0 (descent)", etaCi, Evidence.Comparison.AT_LEAST,
                Evidence.STRICTLY_POSITIVE));
        evidence.addAll(common);
        out.verdict(Verdict.of(Hypotheses.ONE_STEP_GD, evidence));
        Bootstrap.Interval relStar = ctx.bootstrap().ratio("relative-spd-gd-star",
                ProbeStatistics.squaredDifferences(modelJ, ProbeStatistics.scaled(xqhJ, etaStar)), modelJSquares);
        out.metric("relative_spd_gd_star", relStar.estimate());
        List<Evidence> optimal = new ArrayList<>();
        optimal.add(Evidence.decide("relative SPD vs GD(η*), held out", relStar, Evidence.Comparison.AT_MOST,
                maxRelSpd).sufficient());
        optimal.addAll(common);
        out.verdict(Verdict.of(Hypotheses.OPTIMAL_ONE_STEP_GD, optimal));

        out.paragraph(String.format(java.util.Locale.ROOT, "One GD step with the model's own step size: η_fit = %s "
                + "(least squares of ŷ on x_q·h over the fit split), η* = %s (%s), η_fit/η* = %s. Model test MSE %s.",
                ProbeStatistics.num(etaFit), ProbeStatistics.num(etaStar), ctx.references().etaStar().method(),
                ProbeStatistics.num(etaFit / etaStar), ProbeStatistics.num(PredictionMetrics.mse(model, y))));
        out.table("Agreement of the model with each reference on " + y.length + " test prompts",
                List.of("reference", "MSE", "preds diff", "SPD", "relative SPD", "explained var.", "model diff",
                        "model cos"), rows);
        out.paragraph("Closest of these references: **" + best + "** (explained variance "
                + ProbeStatistics.num(bestEv) + "; the hypothesis-ranking probe ranks fitted hypotheses on held-out "
                + "prompts). Verdicts use η_fit = " + ProbeStatistics.num(etaFit) + " fitted on the first "
                + off + " prompts and are decided on the other " + modelJ.length + ". Relative SPD = E[(ŷ_M − ŷ_R)²] / E[ŷ_M²]; explained variance = "
                + "1 − SPD / Var(ŷ_M); model diff / cos compare ∂ŷ/∂x_q (autograd for the model).");
        return out.build();
    }
}
