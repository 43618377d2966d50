package org.descent.experiment;

import java.util.Map;
import org.descent.compare.OneStepGdComparison;
import org.descent.task.PromptSet;
import org.descent.util.Npz;
import org.descent.util.RunMetrics;
import org.descent.util.Schema;

/**
 * What a verify or compare run writes besides its report (README, "Output schema"): {@code metrics.json} in the
 * common layout, and {@code predictions.npz} with every per-prompt value its statistics are made of.
 *
 * <p>{@code predictions.npz} (B test prompts, B_k ≤ 2,000 of them for the error-vs-k curves, d inputs, N examples):
 * <ul>
 *   <li>{@code tokens [B, N+1, D]} (float32 when exact, as for sampled prompts; else float64), {@code targets [B]},
 *       and the ground truth of each prompt when known ({@code w [B, d]} for linear tasks, see
 *       {@link org.descent.task.TaskTruth});</li>
 *   <li>{@code eta_star} (scalar): the step size of the GD reference;</li>
 *   <li>{@code pred.trained [B]}, {@code pred.gd [B]} (the GD(η*) oracle), {@code jac.trained [B, d]},
 *       {@code jac.gd [B, d]} (∂ŷ/∂x_q of the trained model and of the GD(η*) construction);</li>
 *   <li>{@code baseline.<key> [B]}: each baseline's predictions ({@code baseline_mse.<key>} in metrics.json);</li>
 *   <li>{@code error_vs_k.<key> [B_k, N]}: each curve's predictions from the first k examples of the first B_k test
 *       prompts (column k − 1); the curve is {@code mean((p − y)²) / mean(y²)} per column, {@code y = targets[:B_k]}.</li>
 * </ul>
 * Every array but the tokens and the truth is float64.
 */
public final class VerifyOutputs {
    private VerifyOutputs() {}

    /** Display labels of the verify metrics. */
    static final Map<String, String> LABELS = Map.ofEntries(
            Map.entry("eta_star", "η* (step size of the GD reference)"),
            Map.entry("mse.trained", "test MSE, trained LSA"),
            Map.entry("mse.gd", "test MSE, one GD step with η*"),
            Map.entry("mse.zero", "test MSE, zero predictor"),
            Map.entry("mse.ols", "test MSE, OLS (min-norm)"),
            Map.entry("mse.relative_gap", "trained MSE vs GD(η*) MSE (relative gap)"),
            Map.entry("preds_diff", "preds diff (mean |ŷ_model − ŷ_GD|)"),
            Map.entry("preds_rms", "preds RMS (sqrt mean (ŷ_model − ŷ_GD)²)"),
            Map.entry("model_diff", "model diff (mean ‖∂ŷ_model/∂x_q − ∂ŷ_GD/∂x_q‖₂)"),
            Map.entry("model_cos", "model cos (∂ŷ/∂x_q)"),
            Map.entry("interpolation_beta", "interpolation β (mean diagonal of (W_KᵀW_Q)[:d,:d])"),
            Map.entry("interpolation_mse", "test MSE of the interpolation midpoint"),
            Map.entry("gamma_eff_scalar", "tr(Γ_eff)/d"),
            Map.entry("gamma_eff_residual", "‖Γ_eff − η*I‖_F / ‖η*I‖_F"),
            Map.entry("norm.pv_label_row_x", "‖(P W_V)[d,:d]‖"),
            Map.entry("norm.kq_label_row_x", "‖(W_KᵀW_Q)[d,:d]‖"),
            Map.entry("test_prompts", "test prompts"),
            Map.entry("eta_star_closed_form", "η*, closed form"),
            Map.entry("mse.gd_theory", "expected MSE of GD(η*), closed form"),
            Map.entry("eta_line_search", "η by line search"),
            Map.entry("eta_line_search_se", "η by line search: standard error"),
            Map.entry("train_loss_final", "training loss (mean of the last 100 steps)"));

    /**
     * metrics.json of a verify or compare run.
     *
     * @param m the run's flat metric map (as the report shows it)
     * @param baselineMse baseline name → test MSE
     * @param curves curve name → normalised error for k = 1..N
     */
    static RunMetrics metrics(String runId, String kind, OneStepGdComparison.Result result, Map<String, Object> m,
            Map<String, Double> baselineMse, Map<String, double[]> curves) {
        RunMetrics out = new RunMetrics(runId, kind).verdict(result.verdict());
        for (Map.Entry<String, Object> e : m.entrySet()) {
            String k = e.getKey();
            if (k.startsWith("baseline_mse.") || k.equals("error_vs_k") || k.endsWith("_ci95")
                    || k.startsWith("verdict.")) {
                continue; // below: with machine-readable keys, as series, inside the checks, as the verdict
            }
            if (e.getValue() instanceof Number n) {
                out.metric(k, LABELS.getOrDefault(k, k), n.doubleValue());
            } else {
                out.detail(k, e.getValue());
            }
        }
        for (OneStepGdComparison.Check c : result.checks()) {
            RunMetrics.Metric r = out.has(c.key()) ? out.get(c.key()) : out.metric(c.key(), c.criterion(), c.value());
            r.with("label", c.criterion())
                    .interval(c.lower(), c.upper(), org.descent.compare.SeedIntervals.LEVEL, Schema.PROMPT_BOOTSTRAP)
                    .check(c.comparison(), c.tolerance(), outcome(c.outcome()));
        }
        baselineMse.forEach((name, v) -> out.metric("baseline_mse." + Schema.slug(name), "test MSE, " + name, v));
        curves.forEach((name, y) -> {
            double[] ks = new double[y.length];
            for (int k = 0; k < ks.length; k++) {
                ks[k] = k + 1;
            }
            out.series("error_vs_k." + Schema.slug(name), name, "k (in-context examples)",
                    ks, "MSE / MSE(zero predictor)", y);
        });
        if (result.gammaEff() != null) {
            org.ejml.data.DMatrixRMaj g = result.gammaEff();
            double[][] rows = new double[g.numRows][g.numCols];
            for (int i = 0; i < g.numRows; i++) {
                for (int j = 0; j < g.numCols; j++) {
                    rows[i][j] = g.get(i, j);
                }
            }
            out.array("gamma_eff", "Γ_eff = −v Aᵀ of the trained layer", rows);
        }
        out.verdict("one_step_gd", "one step of gradient descent with η* (von Oswald et al. 2023)", result.verdict(),
                OneStepGdComparison.SCOPE, Map.of());
        return out;
    }

    static String outcome(OneStepGdComparison.Outcome o) {
        return switch (o) {
            case PASS -> Schema.PASS;
            case FAIL -> Schema.FAIL;
            case INCONCLUSIVE -> Schema.INCONCLUSIVE;
        };
    }

    /**
     * predictions.npz of a verify or compare run (see the class comment).
     *
     * @param truth the ground truth of the test prompts by name (may be empty)
     * @param baselines baseline name → predictions on the test prompts
     * @param prefixPredictions curve name → {@code [B_k][N]} predictions on the prefixes of the first B_k prompts
     */
    static Npz predictions(PromptSet test, Map<String, Npz.Array> truth, double etaStar,
            OneStepGdComparison.PerPrompt perPrompt, Map<String, double[]> baselines,
            Map<String, double[][]> prefixPredictions) {
        Npz npz = new Npz();
        npz.put("tokens", tokens(test));
        npz.put("targets", test.targets());
        truth.forEach(npz::put);
        npz.put("eta_star", etaStar);
        npz.put("pred.trained", perPrompt.trained());
        npz.put("pred.gd", perPrompt.gd());
        npz.put("jac.trained", perPrompt.trainedJacobians());
        npz.put("jac.gd", perPrompt.gdJacobians());
        baselines.forEach((name, p) -> npz.put("baseline." + Schema.slug(name), p));
        prefixPredictions.forEach((name, p) -> npz.put("error_vs_k." + Schema.slug(name), p));
        return npz;
    }

    /** The tokens {@code [B, N+1, D]}: float32 when every value is a float32 (sampled prompts are), else float64. */
    public static Npz.Array tokens(PromptSet p) {
        double[] t = p.flatTokens();
        float[] f = new float[t.length];
        boolean exact = true;
        for (int i = 0; i < t.length; i++) {
            f[i] = (float) t[i];
            exact &= f[i] == t[i];
        }
        return exact ? Npz.Array.of(f, p.size(), p.n() + 1, p.tokenDim())
                : Npz.Array.of(t, p.size(), p.n() + 1, p.tokenDim());
    }
}
