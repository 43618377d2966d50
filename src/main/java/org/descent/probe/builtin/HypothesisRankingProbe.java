package org.descent.probe.builtin;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.descent.compare.AlgorithmDistances;
import org.descent.compare.Bootstrap;
import org.descent.oracle.GradientDescentOracle;
import org.descent.oracle.IterativeNewtonOracle;
import org.descent.oracle.LeastSquaresOracle;
import org.descent.oracle.PgdFeatureRegression;
import org.descent.oracle.RidgeFitter;
import org.descent.oracle.StepSizeFitter;
import org.descent.probe.BehaviouralFits;
import org.descent.probe.Evidence;
import org.descent.probe.Hypotheses;
import org.descent.probe.Probe;
import org.descent.probe.ProbeContext;
import org.descent.probe.ProbeResult;
import org.descent.probe.Verdict;
import org.descent.regressor.InContextRegressor;
import org.descent.task.PromptSet;
import org.descent.task.TaskConfig;

/**
 * {@code hypothesis-ranking}: every competing algorithm fitted to the model on the fit split and ranked by its
 * held-out relative SPD {@code E[(ŷ_M − ŷ_A)²] / E[ŷ_M²]} on the judge split, with intervals; names the
 * best-explaining algorithm and how much worse each hypothesis is (Fu et al. 2023 find Iterative Newton beating GD on
 * trained transformers; a GD claim should survive that comparison).
 *
 * <p>Step sizes are fitted on the first {@code stepFitPrompts} of the fit split (shared with {@code multistep-fit}
 * when the counts agree), Newton and ridge on the first {@code fitPrompts}.
 *
 * <p>Dimension glossary: {@code F} fit prompts (the first {@code fitPrompts} of the fit split), {@code J} judge
 * prompts, {@code d} input dimension, {@code K} steps, {@code k} Newton iterations.
 *
 * <p>Candidates and their fitted parameters: zero (ŷ = 0), averaging (η = 1), GD(η*), GD(η_fit) (η), PGD(Γ*),
 * PGD(Γ_fit) (d², when the fit split is large enough), K-step GD for K = 2..{@code maxSteps} (K step sizes), GD++ × 2
 * (3), Iterative Newton (k ≤ {@code maxNewtonIterations} and α: M₀ = αS, M_{t+1} = 2M_t − M_t S M_t,
 * ŷ = x_qᵀ M_k Xᵀy/N), ridge(λ_fit) (λ), ridge with the Bayes λ = σ²/ω for noisy linear tasks, OLS, 3-NN.
 *
 * <p>The best-explaining algorithm is the simplest (fewest fitted parameters) among those whose held-out relative SPD
 * is within {@code equivalence} of the smallest. "Y worse" is the paired difference of relative SPDs with a bootstrap
 * interval. Verdicts (sufficient, held-out): {@code iterative-newton} and {@code ridge}, the fitted algorithm's
 * relative SPD at most {@code maxRelativeSpd}. One exception: ridge's λ → ∞ limit is GD with a vanishing step, so
 * when λ_fit sits at the top of its searched range and the model is within tolerance of GD(η_fit), η_fit &gt; 0, a
 * miss is inconclusive rather than inconsistent.
 */
public final class HypothesisRankingProbe implements Probe {
    public static final String NAME = "hypothesis-ranking";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "every competing algorithm (GD, PGD, K-step GD, GD++, Iterative Newton, ridge, OLS, ...) fitted on one"
                + " split and ranked by held-out relative SPD; the best-explaining algorithm; verdicts on Newton and"
                + " ridge";
    }

    @Override
    public Map<String, Object> defaultParameters() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("fitPrompts", 1000);
        m.put("stepFitPrompts", 1000);
        m.put("maxSteps", 3);
        m.put("maxNewtonIterations", 5);
        m.put("maxRelativeSpd", 0.01);
        m.put("equivalence", 0.001);
        return m;
    }

    /** One fitted algorithm on the judge split. */
    private record Candidate(String name, String hypothesis, int parameters, double[] predictions, String note) {}

    @Override
    public ProbeResult run(ProbeContext ctx) {
        int fitCount = ctx.params().getInt("fitPrompts", 10);
        int stepFitCount = ctx.params().getInt("stepFitPrompts", 10);
        int maxSteps = ctx.params().getInt("maxSteps", 1);
        int maxNewton = ctx.params().getInt("maxNewtonIterations", 0);
        double maxRel = ctx.params().getDouble("maxRelativeSpd");
        double equivalence = ctx.params().getDouble("equivalence");
        BehaviouralFits fits = ctx.fits();
        PromptSet judge = fits.judgeSet();
        double[] model = fits.modelOnJudge();
        PromptSet relabelled = fits.relabelledFit(fitCount);
        double[] relabelledTargets = relabelled.targets();
        TaskConfig task = ctx.task();
        int d = judge.d();
        List<String> failures = new ArrayList<>();
        List<Candidate> cands = new ArrayList<>();
        double[] avg = ctx.references().averaging().predict(judge);
        cands.add(new Candidate("zero (ŷ = 0)", null, 0, new double[model.length], ""));
        cands.add(new Candidate("averaging (η = 1)", null, 0, avg, ""));
        double etaStar = ctx.references().etaStar().eta();
        cands.add(new Candidate("GD(η*)", Hypotheses.OPTIMAL_ONE_STEP_GD, 0, ProbeStatistics.scaled(avg, etaStar), ""));
        double etaFit = fits.etaFit();
        cands.add(new Candidate(etaFit > 0 ? "GD(η_fit)" : "gradient ascent (η_fit ≤ 0)", Hypotheses.ONE_STEP_GD, 1,
                ProbeStatistics.scaled(avg, etaFit), String.format(Locale.ROOT, "η = %.4g", etaFit)));
        cands.add(new Candidate("PGD(Γ*)", null, 0, ctx.references().pgdStar().predict(judge), ""));
        fits.gammaFit().ifPresentOrElse(g -> {
            boolean descent = AlgorithmDistances.descentMargin(g) >= org.descent.probe.Evidence.MIN_DESCENT_MARGIN;
            cands.add(new Candidate(descent ? "PGD(Γ_fit)" : "PGD(Γ_fit, not a descent direction)",
                    Hypotheses.PRECONDITIONED_GD, d * d, PgdFeatureRegression.predict(judge, g), ""));
        }, () -> failures.add("PGD(Γ_fit): " + fits.pgd().unavailable()));
        for (int k = 2; k <= maxSteps; k++) {
            int steps = k;
            try {
                StepSizeFitter.Fit f = fits.kStepGd(steps, stepFitCount, null);
                cands.add(new Candidate("GD×" + k + " (fitted)", Hypotheses.K_STEP_GD, k, f.toOracle().predict(judge),
                        "η = " + fmt(f.etas())));
            } catch (RuntimeException e) {
                failures.add("GD×" + k + ": " + e.getMessage());
            }
        }
        try {
            StepSizeFitter.Fit f = fits.gdPlusPlus(2, stepFitCount);
            cands.add(new Candidate("GD++×2 (fitted)", Hypotheses.GD_PLUS_PLUS, 3, f.toOracle().predict(judge),
                    "η = " + fmt(f.etas()) + ", γ = " + fmt(f.gammas())));
        } catch (RuntimeException e) {
            failures.add("GD++×2: " + e.getMessage());
        }
        IterativeNewtonOracle.Fit newton = null;
        try {
            newton = IterativeNewtonOracle.fit(relabelled, relabelledTargets, maxNewton).best();
            cands.add(new Candidate("Newton×" + newton.iterations() + " (fitted)", Hypotheses.ITERATIVE_NEWTON, 2,
                    newton.toOracle().predict(judge), String.format(Locale.ROOT, "k = %d, α = %.4g%s",
                            newton.iterations(), newton.alpha(), newton.atBracketEdge() ? " (at the edge of the "
                                    + "stable range)" : "")));
        } catch (RuntimeException e) {
            failures.add("Iterative Newton: " + e.getMessage());
        }
        RidgeFitter.Fit ridge = null;
        try {
            ridge = RidgeFitter.fit(relabelled, relabelledTargets);
            cands.add(new Candidate("ridge(λ_fit)", Hypotheses.RIDGE, 1, ridge.toOracle().predict(judge),
                    String.format(Locale.ROOT, "λ = %.4g%s", ridge.lambda(), ridge.atBracketEdge()
                            ? " (at the edge of the searched range)" : "")));
        } catch (RuntimeException e) {
            failures.add("ridge: " + e.getMessage());
        }
        if (task.isLinearRegression() && task.noise() > 0) {
            double omega = priorVariance(task);
            if (omega > 0) {
                double lambda = LeastSquaresOracle.bayesLambda(task.noise(), omega);
                cands.add(new Candidate(String.format(Locale.ROOT, "ridge(Bayes λ = σ²/ω = %.4g)", lambda), null, 0,
                        LeastSquaresOracle.ridge(lambda).predict(judge), ""));
            }
        }
        cands.add(new Candidate("OLS", Hypotheses.OLS_LIKE, 0, ctx.references().ols().predict(judge), ""));
        InContextRegressor knn = ctx.references().nearestNeighbors();
        cands.add(new Candidate(knn.name(), null, 0, knn.predict(judge), ""));

        double[] squares = ProbeStatistics.squares(model);
        Map<Candidate, Bootstrap.Interval> rel = new LinkedHashMap<>();
        for (Candidate c : cands) {
            rel.put(c, ctx.bootstrap().ratio("ranking-" + c.name(),
                    ProbeStatistics.squaredDifferences(model, c.predictions()), squares));
        }
        List<Candidate> ranked = new ArrayList<>(cands);
        ranked.sort(Comparator.comparingDouble(c -> nanLast(rel.get(c).estimate())));
        double bestRel = rel.get(ranked.get(0)).estimate();
        Candidate best = ranked.get(0);
        for (Candidate c : cands) { // candidates are listed simplest first: ties keep the earlier one
            if (rel.get(c).estimate() <= bestRel + equivalence && (c.parameters() < best.parameters()
                    || c.parameters() == best.parameters() && cands.indexOf(c) < cands.indexOf(best))) {
                best = c;
            }
        }
        Candidate chosen = best;

        ProbeResult.Builder out = ProbeResult.builder(NAME);
        List<List<String>> rows = new ArrayList<>();
        List<Object> table = new ArrayList<>();
        int rank = 1;
        for (Candidate c : ranked) {
            Bootstrap.Interval ci = rel.get(c);
            Bootstrap.Interval diff = ctx.bootstrap().of("ranking-diff-" + c.name(), model.length,
                    idx -> ratio(model, c.predictions(), idx) - ratio(model, chosen.predictions(), idx));
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("algorithm", c.name());
            m.put("hypothesis", c.hypothesis());
            m.put("fitted_parameters", c.parameters());
            m.put("relative_spd", ci.estimate());
            m.put("relative_spd_ci", List.of(ci.lower(), ci.upper()));
            m.put("worse_than_best", diff.estimate());
            m.put("worse_than_best_ci", List.of(diff.lower(), diff.upper()));
            m.put("note", c.note());
            table.add(m);
            rows.add(List.of(Integer.toString(rank++), c.name() + (c == chosen ? " (best)" : ""),
                    c.hypothesis() == null ? "—" : c.hypothesis(), Integer.toString(c.parameters()),
                    ProbeStatistics.interval(ci), c == chosen ? "—" : ProbeStatistics.interval(diff), c.note()));
        }
        out.metric("ranking", table);
        out.metric("best", chosen.name());
        out.metric("best_relative_spd", rel.get(chosen).estimate());
        out.metric("fit_failures", failures);
        out.bestReference(chosen.name());
        Map<String, String> worse = new LinkedHashMap<>();
        for (String h : List.of(Hypotheses.ONE_STEP_GD, Hypotheses.ITERATIVE_NEWTON, Hypotheses.RIDGE)) {
            cands.stream().filter(c -> h.equals(c.hypothesis())).findFirst().ifPresent(c -> worse.put(h,
                    c == chosen ? "it is the best" : "relative SPD " + ProbeStatistics.num(rel.get(c).estimate())
                            + " vs " + ProbeStatistics.num(rel.get(chosen).estimate()) + ", "
                            + ProbeStatistics.num(rel.get(c).estimate() - rel.get(chosen).estimate()) + " worse"));
        }
        out.paragraph("Best explained by **" + chosen.name() + "** (held-out relative SPD "
                + ProbeStatistics.interval(rel.get(chosen)) + "). " + String.join("; ", worse.entrySet().stream()
                        .map(e -> e.getKey() + ": " + e.getValue()).toList()) + ".");
        out.table("Algorithms fitted to the model on " + relabelled.size() + " prompts (η_fit and Γ_fit on the fit "
                + "split) and ranked on " + judge.size() + " held-out prompts", List.of("rank", "algorithm",
                        "hypothesis", "fitted parameters", "relative SPD [95% CI]", "worse than the best [95% CI]",
                        "fitted values"), rows);
        if (!failures.isEmpty()) {
            out.paragraph("Not ranked: " + String.join("; ", failures) + ".");
        }
        // Ridge's λ → ∞ limit is GD with a vanishing step (ŷ ≈ (N/λ) x_q·h): when the fit sits at the upper edge of
        // the searched λ and the model is within tolerance of GD(η_fit) with η_fit > 0, a miss refutes nothing.
        Candidate gdFitCandidate = cands.stream().filter(c -> Hypotheses.ONE_STEP_GD.equals(c.hypothesis()))
                .findFirst().orElse(null);
        boolean ridgeLimit = ridge != null && ridge.atBracketEdge() && ridge.lambda() >= ridge.lambdaUpper() * 0.999
                && etaFit > 0 && gdFitCandidate != null && rel.get(gdFitCandidate).upper() <= maxRel;
        for (String h : List.of(Hypotheses.ITERATIVE_NEWTON, Hypotheses.RIDGE)) {
            boolean edge = h.equals(Hypotheses.RIDGE) && ridgeLimit;
            cands.stream().filter(c -> h.equals(c.hypothesis())).findFirst().ifPresent(c -> {
                Evidence e = Evidence.decide("relative SPD vs fitted " + c.name() + ", held out", rel.get(c),
                        Evidence.Comparison.AT_MOST, maxRel).sufficient();
                if (edge && e.outcome() == org.descent.probe.Outcome.INCONSISTENT) {
                    e = e.withOutcome(org.descent.probe.Outcome.INCONCLUSIVE);
                }
                out.verdict(Verdict.of(h, List.of(e), edge ? c.note() + "; λ sits at the top of its searched "
                        + "range and ridge's λ → ∞ limit (GD with a vanishing step) matches the model, so a miss is "
                        + "inconclusive" : c.note()));
            });
        }
        return out.build();
    }

    /** The prior variance ω of w ~ N(0, ωI), or 0 when the prior is not isotropic Gaussian. */
    static double priorVariance(TaskConfig task) {
        if (TaskConfig.PRIOR_ISOTROPIC.equals(task.weightPrior())) {
            return 1.0;
        }
        if (TaskConfig.PRIOR_INVERSE_COVARIANCE.equals(task.weightPrior()) && task.hasIsotropicInputs()) {
            return 1.0 / task.inputMoments().secondMoment();
        }
        return 0;
    }

    private static double ratio(double[] m, double[] a, int[] idx) {
        double num = 0;
        double den = 0;
        for (int i : idx) {
            double e = m[i] - a[i];
            num += e * e;
            den += m[i] * m[i];
        }
        return num / den;
    }

    private static double nanLast(double v) {
        return Double.isNaN(v) ? Double.POSITIVE_INFINITY : v;
    }

    private static String fmt(double[] v) {
        StringBuilder sb = new StringBuilder();
        for (double x : v) {
            sb.append(sb.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.4g", x));
        }
        return sb.toString();
    }
}
