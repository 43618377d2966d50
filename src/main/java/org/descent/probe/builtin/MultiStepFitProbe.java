package org.descent.probe.builtin;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.descent.compare.Bootstrap;
import org.descent.compare.PredictionMetrics;
import org.descent.oracle.StepSizeFitter;
import org.descent.probe.Evidence;
import org.descent.probe.Hypotheses;
import org.descent.probe.Probe;
import org.descent.probe.ProbeContext;
import org.descent.probe.ProbeResult;
import org.descent.probe.Verdict;
import org.descent.regressor.QuerySensitivity;
import org.descent.task.PromptSet;

/**
 * {@code multistep-fit}: the K-step GD and the K-layer GD++ that best reproduce the model, for K = 1..{@code maxSteps}
 * (GD++ for K = 2..{@code maxGdPlusPlusLayers}), with their task loss and their alignment with the model.
 *
 * <p>Dimension glossary: {@code B} test prompts, {@code F} fitting prompts (the first {@code fitPrompts} test prompts),
 * {@code d} input dimension, {@code K} steps.
 *
 * <p>Three disjoint sets of prompts. Step sizes (and GD++ corrections γ_k) are fitted by {@link StepSizeFitter} to
 * the model's predictions on the first {@code fitPrompts} prompts of the fit split (relabelled with ŷ_M, so the fitted
 * algorithm is the behavioural best match); the number of steps K is chosen on the next {@code fitPrompts} prompts of
 * the fit split; the chosen
 * fit is judged on the judge split ({@link org.descent.probe.BehaviouralFits}): relative SPD
 * {@code E[(ŷ_M − ŷ_fit)²] / E[ŷ_M²]} and model cos. For comparison, the task-optimal K-step GD (fitted to the labels)
 * gives the MSE that K plain GD steps can reach.
 *
 * <p>The best K is the smallest K whose relative SPD on the selection prompts is within {@code maxRelativeSpd}
 * (else the K with the smallest). Verdict {@code k-step-gd} (resp. {@code gd-plus-plus}): the chosen fit's held-out
 * relative SPD at most {@code maxRelativeSpd} (sufficient), its model cos at least {@code minModelCos} (necessary;
 * computed for the chosen fits only),
 * and descent steps: {@code min_k η_k / max_k |η_k| ≥ −0.01} with η_1 &gt; 0 (necessary; a fitted negative step is
 * an ascent step).
 */
public final class MultiStepFitProbe implements Probe {
    public static final String NAME = "multistep-fit";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "best-fitting K-step GD and GD++ (K = 1..5) with their loss and alignment; verdicts on K-step GD and"
                + " GD++";
    }

    @Override
    public Map<String, Object> defaultParameters() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("maxSteps", 5);
        m.put("maxGdPlusPlusLayers", 3);
        m.put("fitPrompts", 1000);
        m.put("minModelCos", 0.995);
        m.put("maxRelativeSpd", 0.01);
        m.put("compareTaskOptimal", true);
        return m;
    }

    /** One fitted algorithm with its held-out alignment. */
    private record Candidate(String family, int steps, StepSizeFitter.Fit fit, double selectionRelSpd,
            Bootstrap.Interval relSpd, Bootstrap.Interval cos, double mse, double taskOptimalMse) {}

    /** The slack on the sign of fitted step sizes, relative to the largest: min η_k / max |η_k| ≥ −this. */
    static final double STEP_SIGN_SLACK = 0.01;

    @Override
    public ProbeResult run(ProbeContext ctx) {
        int maxSteps = ctx.params().getInt("maxSteps", 1);
        int maxGdpp = ctx.params().getInt("maxGdPlusPlusLayers", 0);
        int fitCount = ctx.params().getInt("fitPrompts", 10);
        double minCos = ctx.params().getDouble("minModelCos");
        double maxRelSpd = ctx.params().getDouble("maxRelativeSpd");
        boolean taskOptimal = ctx.params().getBoolean("compareTaskOptimal");
        org.descent.probe.BehaviouralFits fits = ctx.fits();
        Optional<double[][]> jacModel = ctx.modelJacobians();
        PromptSet fitSplit = fits.fitSet();
        int f = Math.max(1, Math.min(fitCount, fitSplit.size() / 2));
        // The fitting prompts relabelled with the model's predictions: fitting "the task" is then fitting the model.
        PromptSet relabelled = fits.relabelledFit(f);
        int selectionEnd = Math.min(fitSplit.size(), 2 * f); // as many prompts to choose K as to fit the steps
        PromptSet selection = fitSplit.slice(f, selectionEnd);
        double[] modelSelection = Arrays.copyOfRange(fits.modelOnFit(), f, selectionEnd);
        PromptSet heldOut = fits.judgeSet();
        double[] modelHeld = fits.modelOnJudge();
        double[] y = heldOut.targets();
        Sets sets = new Sets(selection, modelSelection, heldOut, modelHeld, fits.judgeOffset());

        List<String> failures = new ArrayList<>();
        List<Candidate> gd = new ArrayList<>();
        StepSizeFitter.Fit previous = null;
        for (int k = 1; k <= maxSteps; k++) {
            StepSizeFitter.Fit prev = previous;
            int steps = k;
            // BOBYQA can stop with "trust region step has failed to reduce Q" on badly scaled models: the K-step fit
            // is retried once from the (K−1)-step optimum
            Optional<StepSizeFitter.Fit> fit = robustFit("GD × " + k, failures,
                    () -> fits.kStepGd(steps, f, prev == null ? null
                            : () -> StepSizeFitter.gd(relabelled, extended(prev.etas()))));
            if (fit.isPresent()) {
                double opt = Double.NaN;
                if (taskOptimal) {
                    try {
                        opt = ctx.references().kStepGdFit(k).mse();
                    } catch (RuntimeException e) {
                        failures.add("task-optimal GD × " + k + ": " + e.getMessage());
                    }
                }
                gd.add(evaluate(ctx, "GD", k, fit.get(), sets, jacModel, y, opt));
                previous = fit.get();
            }
        }
        List<Candidate> gdpp = new ArrayList<>();
        for (int k = 2; k <= maxGdpp; k++) {
            int layers = k;
            robustFit("GD++ × " + k, failures, () -> fits.gdPlusPlus(layers, f))
                    .ifPresent(fit -> gdpp.add(evaluate(ctx, "GD++", layers, fit, sets, jacModel, y, Double.NaN)));
        }

        if (!gd.isEmpty()) {
            Candidate chosen = best(gd, maxRelSpd);
            gd.set(gd.indexOf(chosen), withCos(ctx, chosen, sets, jacModel));
        }
        if (!gdpp.isEmpty()) {
            Candidate chosen = best(gdpp, maxRelSpd);
            gdpp.set(gdpp.indexOf(chosen), withCos(ctx, chosen, sets, jacModel));
        }
        ProbeResult.Builder out = ProbeResult.builder(NAME);
        out.metric("mse.model", PredictionMetrics.mse(modelHeld, y));
        out.metric("fit_prompts", f);
        out.metric("selection_prompts", selection.size());
        out.metric("held_out_prompts", heldOut.size());
        List<List<String>> rows = new ArrayList<>();
        List<Object> fitRows = new ArrayList<>();
        for (Candidate c : concat(gd, gdpp)) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("algorithm", c.family());
            m.put("steps", c.steps());
            m.put("etas", c.fit().etas());
            m.put("gammas", c.fit().gammas());
            m.put("selection_relative_spd", c.selectionRelSpd());
            m.put("relative_spd", c.relSpd().estimate());
            m.put("model_cos", c.cos() == null ? Double.NaN : c.cos().estimate());
            m.put("mse", c.mse());
            m.put("task_optimal_mse", c.taskOptimalMse());
            fitRows.add(m);
            rows.add(List.of(c.family() + " × " + c.steps(), ProbeStatistics.num(c.mse()),
                    ProbeStatistics.num(c.taskOptimalMse()), ProbeStatistics.interval(c.relSpd()),
                    c.cos() == null ? "—" : ProbeStatistics.num(c.cos().estimate()), fmt(c.fit().etas()),
                    c.family().equals("GD++") ? fmt(c.fit().gammas()) : "—"));
        }
        out.metric("fits", fitRows);

        out.metric("fit_failures", failures);
        if (!failures.isEmpty()) {
            out.paragraph("Fits that failed (skipped): " + String.join("; ", failures) + ".");
        }
        if (gd.isEmpty()) {
            out.verdict(Verdict.of(Hypotheses.K_STEP_GD, List.of(), "no K-step GD fit succeeded"));
            out.note("no K-step GD fit succeeded");
            return out.build();
        }
        Candidate bestGd = best(gd, maxRelSpd);
        out.metric("best_k_step_gd", bestGd.steps());
        out.verdict(verdict(Hypotheses.K_STEP_GD, bestGd, minCos, maxRelSpd));
        if (!gdpp.isEmpty()) {
            Candidate bestPp = best(gdpp, maxRelSpd);
            out.metric("best_gd_plus_plus", bestPp.steps());
            out.verdict(verdict(Hypotheses.GD_PLUS_PLUS, bestPp, minCos, maxRelSpd));
        }
        out.table("Fitted multi-step algorithms (fitted to the model's predictions on " + f + " prompts, K chosen on "
                + selection.size() + ", judged on " + heldOut.size() + " held-out prompts)", List.of("algorithm", "MSE", "task-optimal MSE",
                        "relative SPD to model", "model cos", "η_k", "γ_k"), rows);
        out.paragraph(String.format(Locale.ROOT, "Model MSE on the held-out prompts: %s. Best K-step GD: K = %d. "
                + "\"task-optimal MSE\" is the MSE of K plain GD steps with step sizes fitted to the labels (what K "
                + "steps of GD can reach); GD++ corrections γ_k use the LSA's mean C = XᵀX/N.",
                ProbeStatistics.num(PredictionMetrics.mse(modelHeld, y)), bestGd.steps()));
        return out.build();
    }

    /** Runs a step-size fit; a failure is recorded in {@code failures} and the fit skipped. */
    private static Optional<StepSizeFitter.Fit> robustFit(String label, List<String> failures,
            Supplier<StepSizeFitter.Fit> fit) {
        try {
            return Optional.of(fit.get());
        } catch (RuntimeException e) {
            failures.add(label + ": " + e.getMessage());
            return Optional.empty();
        }
    }

    /** The K−1 fitted step sizes followed by half the last one: a start for K steps next to the (K−1)-step optimum. */
    private static double[] extended(double[] etas) {
        double[] out = Arrays.copyOf(etas, etas.length + 1);
        out[etas.length] = 0.5 * etas[etas.length - 1];
        return out;
    }

    /** The selection prompts (choose K) and the judge prompts (decide), with the model's predictions on each. */
    private record Sets(PromptSet selection, double[] modelSelection, PromptSet judge, double[] modelJudge,
            int judgeOffset) {}

    private static Candidate evaluate(ProbeContext ctx, String family, int k, StepSizeFitter.Fit fit, Sets sets,
            Optional<double[][]> jacModel, double[] y, double taskOptimalMse) {
        QuerySensitivity oracle = fit.toOracle();
        double selection = Double.NaN;
        if (sets.selection().size() > 0) {
            double[] ps = oracle.predict(sets.selection());
            selection = ProbeStatistics.mean(ProbeStatistics.squaredDifferences(sets.modelSelection(), ps))
                    / ProbeStatistics.mean(ProbeStatistics.squares(sets.modelSelection()));
        }
        double[] pred = oracle.predict(sets.judge());
        Bootstrap.Interval rel = ctx.bootstrap().ratio("multistep-" + family + "-" + k,
                ProbeStatistics.squaredDifferences(sets.modelJudge(), pred), ProbeStatistics.squares(sets.modelJudge()));
        Bootstrap.Interval cos = null; // computed for the chosen fits only ({@link #withCos})
        return new Candidate(family, k, fit, Double.isNaN(selection) ? rel.estimate() : selection, rel, cos,
                PredictionMetrics.mse(pred, y), taskOptimalMse);
    }

    /** The candidate with its model cos on the judge split (when the model exposes Jacobians). */
    private static Candidate withCos(ProbeContext ctx, Candidate c, Sets sets, Optional<double[][]> jacModel) {
        if (jacModel.isEmpty()) {
            return c;
        }
        double[][] jm = ProbeStatistics.rows(jacModel.get(), sets.judgeOffset(),
                sets.judgeOffset() + sets.judge().size());
        Bootstrap.Interval cos = ctx.bootstrap().mean("multistep-cos-" + c.family() + "-" + c.steps(),
                ProbeStatistics.cosines(jm, c.fit().toOracle().queryJacobians(sets.judge())));
        return new Candidate(c.family(), c.steps(), c.fit(), c.selectionRelSpd(), c.relSpd(), cos, c.mse(),
                c.taskOptimalMse());
    }

    private static Candidate best(List<Candidate> list, double maxRelSpd) {
        for (Candidate c : list) {
            if (c.selectionRelSpd() <= maxRelSpd) {
                return c;
            }
        }
        Candidate best = list.get(0);
        for (Candidate c : list) {
            if (c.selectionRelSpd() < best.selectionRelSpd()) {
                best = c;
            }
        }
        return best;
    }

    private static Verdict verdict(String hypothesis, Candidate c, double minCos, double maxRelSpd) {
        List<Evidence> ev = new ArrayList<>();
        ev.add(Evidence.decide("relative SPD vs fitted " + c.family() + " × " + c.steps() + ", held out", c.relSpd(),
                Evidence.Comparison.AT_MOST, maxRelSpd).sufficient());
        if (c.cos() != null) {
            ev.add(Evidence.decide("model cos vs fitted " + c.family() + " × " + c.steps(), c.cos(),
                    Evidence.Comparison.AT_LEAST, minCos));
        }
        double[] etas = c.fit().etas();
        double max = 0;
        double min = Double.POSITIVE_INFINITY;
        for (double e : etas) {
            max = Math.max(max, Math.abs(e));
            min = Math.min(min, e);
        }
        double signed = max == 0 || etas[0] <= 0 ? -1 : min / max; // all-zero steps take no descent step
        ev.add(Evidence.exact("min η_k / max |η_k| (descent steps, η_1 > 0)", signed, Evidence.Comparison.AT_LEAST,
                -STEP_SIGN_SLACK));
        return Verdict.of(hypothesis, ev);
    }

    private static List<Candidate> concat(List<Candidate> a, List<Candidate> b) {
        List<Candidate> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    private static String fmt(double[] v) {
        StringBuilder sb = new StringBuilder();
        for (double x : v) {
            sb.append(sb.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.4g", x));
        }
        return sb.toString();
    }
}
