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
 * <p>Step sizes (and GD++ corrections γ_k) are fitted by {@link StepSizeFitter} to the model's predictions instead of
 * the true labels (the fitting prompts are relabelled with ŷ_M), so the fitted algorithm is the behavioural best
 * match. Alignment is measured on the remaining held-out test prompts: relative SPD
 * {@code E[(ŷ_M − ŷ_fit)²] / E[ŷ_M²]} and model cos. For comparison, the task-optimal K-step GD (fitted to the labels)
 * gives the MSE that K plain GD steps can reach.
 *
 * <p>The best K is the smallest K whose relative SPD is within {@code maxRelativeSpd} (else the K with the smallest
 * relative SPD). Verdict {@code k-step-gd} (resp. {@code gd-plus-plus}): the best fit's relative SPD at most
 * {@code maxRelativeSpd} and its model cos at least {@code minModelCos}, on bootstrap intervals.
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
        m.put("minModelCos", 0.999);
        m.put("maxRelativeSpd", 0.01);
        m.put("compareTaskOptimal", true);
        return m;
    }

    /** One fitted algorithm with its held-out alignment. */
    private record Candidate(String family, int steps, StepSizeFitter.Fit fit, Bootstrap.Interval relSpd,
            Bootstrap.Interval cos, double mse, double taskOptimalMse) {}

    @Override
    public ProbeResult run(ProbeContext ctx) {
        int maxSteps = ctx.params().getInt("maxSteps", 1);
        int maxGdpp = ctx.params().getInt("maxGdPlusPlusLayers", 0);
        int fitCount = ctx.params().getInt("fitPrompts", 10);
        double minCos = ctx.params().getDouble("minModelCos");
        double maxRelSpd = ctx.params().getDouble("maxRelativeSpd");
        boolean taskOptimal = ctx.params().getBoolean("compareTaskOptimal");
        PromptSet test = ctx.test();
        double[] model = ctx.modelPredictions();
        Optional<double[][]> jacModel = ctx.modelJacobians();
        int f = Math.min(fitCount, test.size() / 2);
        PromptSet fitSet = test.head(f);
        // The fitting prompts relabelled with the model's predictions: fitting "the task" is then fitting the model.
        PromptSet relabelled = new PromptSet(fitSet.d(), fitSet.n(), fitSet.flatTokens(), Arrays.copyOf(model, f));
        PromptSet heldOut = test.slice(f, test.size());
        double[] modelHeld = Arrays.copyOfRange(model, f, model.length);
        double[] y = heldOut.targets();

        List<String> failures = new ArrayList<>();
        List<Candidate> gd = new ArrayList<>();
        StepSizeFitter.Fit previous = null;
        for (int k = 1; k <= maxSteps; k++) {
            StepSizeFitter.Fit prev = previous;
            int steps = k;
            Optional<StepSizeFitter.Fit> fit = robustFit("GD × " + k, failures,
                    () -> StepSizeFitter.gd(relabelled, steps),
                    prev == null ? null : () -> StepSizeFitter.gd(relabelled, extended(prev.etas())));
            if (fit.isPresent()) {
                double opt = Double.NaN;
                if (taskOptimal) {
                    try {
                        opt = ctx.references().kStepGdFit(k).mse();
                    } catch (RuntimeException e) {
                        failures.add("task-optimal GD × " + k + ": " + e.getMessage());
                    }
                }
                gd.add(evaluate(ctx, "GD", k, fit.get(), heldOut, modelHeld, jacModel, f, y, opt));
                previous = fit.get();
            }
        }
        List<Candidate> gdpp = new ArrayList<>();
        for (int k = 2; k <= maxGdpp; k++) {
            int layers = k;
            robustFit("GD++ × " + k, failures, () -> StepSizeFitter.gdPlusPlus(relabelled, layers), null)
                    .ifPresent(fit -> gdpp.add(evaluate(ctx, "GD++", layers, fit, heldOut, modelHeld, jacModel, f,
                            y, Double.NaN)));
        }

        ProbeResult.Builder out = ProbeResult.builder(NAME);
        out.metric("mse.model", PredictionMetrics.mse(modelHeld, y));
        out.metric("fit_prompts", f);
        out.metric("held_out_prompts", heldOut.size());
        List<List<String>> rows = new ArrayList<>();
        List<Object> fits = new ArrayList<>();
        for (Candidate c : concat(gd, gdpp)) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("algorithm", c.family());
            m.put("steps", c.steps());
            m.put("etas", c.fit().etas());
            m.put("gammas", c.fit().gammas());
            m.put("relative_spd", c.relSpd().estimate());
            m.put("model_cos", c.cos() == null ? Double.NaN : c.cos().estimate());
            m.put("mse", c.mse());
            m.put("task_optimal_mse", c.taskOptimalMse());
            fits.add(m);
            rows.add(List.of(c.family() + " × " + c.steps(), ProbeStatistics.num(c.mse()),
                    ProbeStatistics.num(c.taskOptimalMse()), ProbeStatistics.interval(c.relSpd()),
                    c.cos() == null ? "n/a" : ProbeStatistics.num(c.cos().estimate()), fmt(c.fit().etas()),
                    c.family().equals("GD++") ? fmt(c.fit().gammas()) : "—"));
        }
        out.metric("fits", fits);

        out.metric("fit_failures", failures);
        if (!failures.isEmpty()) {
            out.paragraph("Fits that failed (skipped): " + String.join("; ", failures) + ".");
        }
        if (gd.isEmpty()) {
            out.verdict(new Verdict(Hypotheses.K_STEP_GD, org.descent.probe.Outcome.INCONCLUSIVE, List.of(),
                    "no K-step GD fit succeeded"));
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
        out.table("Fitted multi-step algorithms (fitted to the model's predictions on " + f + " prompts, evaluated on "
                + heldOut.size() + " held-out prompts)", List.of("algorithm", "MSE", "task-optimal MSE",
                        "relative SPD to model", "model cos", "η_k", "γ_k"), rows);
        out.paragraph(String.format(Locale.ROOT, "Model MSE on the held-out prompts: %s. Best K-step GD: K = %d. "
                + "\"task-optimal MSE\" is the MSE of K plain GD steps with step sizes fitted to the labels (what K "
                + "steps of GD can reach); GD++ corrections γ_k use the LSA's mean C = XᵀX/N.",
                ProbeStatistics.num(PredictionMetrics.mse(modelHeld, y)), bestGd.steps()));
        return out.build();
    }

    /**
     * Runs a step-size fit; on an optimiser failure (BOBYQA can stop with "trust region step has failed to reduce Q"
     * on badly scaled models) retries once from {@code retry} when given, else records the failure.
     */
    private static Optional<StepSizeFitter.Fit> robustFit(String label, List<String> failures,
            Supplier<StepSizeFitter.Fit> fit, Supplier<StepSizeFitter.Fit> retry) {
        try {
            return Optional.of(fit.get());
        } catch (RuntimeException first) {
            if (retry != null) {
                try {
                    return Optional.of(retry.get());
                } catch (RuntimeException second) {
                    failures.add(label + ": " + second.getMessage());
                    return Optional.empty();
                }
            }
            failures.add(label + ": " + first.getMessage());
            return Optional.empty();
        }
    }

    /** The K−1 fitted step sizes followed by half the last one: a start for K steps next to the (K−1)-step optimum. */
    private static double[] extended(double[] etas) {
        double[] out = Arrays.copyOf(etas, etas.length + 1);
        out[etas.length] = 0.5 * etas[etas.length - 1];
        return out;
    }

    private static Candidate evaluate(ProbeContext ctx, String family, int k, StepSizeFitter.Fit fit,
            PromptSet heldOut, double[] modelHeld, Optional<double[][]> jacModel, int offset, double[] y,
            double taskOptimalMse) {
        QuerySensitivity oracle = fit.toOracle();
        double[] pred = oracle.predict(heldOut);
        Bootstrap.Interval rel = ctx.bootstrap().ratio("multistep-" + family + "-" + k,
                ProbeStatistics.squaredDifferences(modelHeld, pred), ProbeStatistics.squares(modelHeld));
        Bootstrap.Interval cos = null;
        if (jacModel.isPresent()) {
            double[][] jm = ProbeStatistics.rows(jacModel.get(), offset, offset + heldOut.size());
            cos = ctx.bootstrap().mean("multistep-cos-" + family + "-" + k,
                    ProbeStatistics.cosines(jm, oracle.queryJacobians(heldOut)));
        }
        return new Candidate(family, k, fit, rel, cos, PredictionMetrics.mse(pred, y), taskOptimalMse);
    }

    private static Candidate best(List<Candidate> list, double maxRelSpd) {
        for (Candidate c : list) {
            if (c.relSpd().estimate() <= maxRelSpd) {
                return c;
            }
        }
        Candidate best = list.get(0);
        for (Candidate c : list) {
            if (c.relSpd().estimate() < best.relSpd().estimate()) {
                best = c;
            }
        }
        return best;
    }

    private static Verdict verdict(String hypothesis, Candidate c, double minCos, double maxRelSpd) {
        List<Evidence> ev = new ArrayList<>();
        ev.add(Evidence.decide("relative SPD vs fitted " + c.family() + " × " + c.steps(), c.relSpd(),
                Evidence.Comparison.AT_MOST, maxRelSpd));
        if (c.cos() != null) {
            ev.add(Evidence.decide("model cos vs fitted " + c.family() + " × " + c.steps(), c.cos(),
                    Evidence.Comparison.AT_LEAST, minCos));
        }
        return Verdict.allOf(hypothesis, ev);
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
