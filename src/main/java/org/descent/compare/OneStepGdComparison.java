package org.descent.compare;

import static org.descent.util.Schema.AT_LEAST;
import static org.descent.util.Schema.AT_MOST;
import static org.descent.util.Schema.WITHIN;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.descent.model.LsaLayerWeights;
import org.descent.model.LsaRegressor;
import org.descent.model.LsaWeights;
import org.descent.oracle.EffectivePreconditioner;
import org.descent.oracle.GradientDescentOracle;
import org.descent.oracle.LeastSquaresOracle;
import org.descent.oracle.OneStepGdConstruction;
import org.descent.oracle.ZeroPredictor;
import org.descent.task.PromptSet;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

/**
 * The comparison of von Oswald et al. 2023 between a trained single-layer LSA and one step of gradient descent with
 * the optimal step size η*: test MSEs, prediction and sensitivity agreement, the weight-derived preconditioner
 * Γ_eff, and the loss of the weight interpolation midpoint.
 *
 * <p>Dimension glossary: {@code d} input dimension, {@code D = d + 1} token width, {@code B} test prompts.
 */
public final class OneStepGdComparison {

    /** Acceptance thresholds of the one-step-GD hypothesis. */
    public record Thresholds(double maxRelativeMseGap, double minModelCos, double maxPredsDiff) {
        /** Issue defaults: trained MSE within 1% of GD(η*), model cos ≥ 0.999, preds diff ≤ 0.05. */
        public static Thresholds defaults() {
            return new Thresholds(0.01, 0.999, 0.05);
        }
    }

    /** The outcome of one check on its interval. */
    public enum Outcome {
        PASS("pass"), FAIL("FAIL"), INCONCLUSIVE("inconclusive");

        private final String label;

        Outcome(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /**
     * One row of the verdict table: the statistic on the full test set, its bootstrap 95% interval over the test
     * prompts, and the outcome on that interval (pass: the whole interval meets the requirement; FAIL: none of it
     * does; inconclusive otherwise).
     *
     * @param criterion what is checked
     * @param value the point estimate
     * @param lower lower end of the interval
     * @param upper upper end of the interval
     * @param outcome the result
     * @param key the machine-readable key of the statistic in metrics.json (e.g. {@code preds_diff})
     * @param comparison the requirement's direction: {@code at_least}, {@code at_most} or {@code within} (±tolerance)
     * @param tolerance the requirement's threshold
     */
    public record Check(String criterion, double value, double lower, double upper, Outcome outcome, String key,
            String comparison, double tolerance) {
        public boolean passed() {
            return outcome == Outcome.PASS;
        }

        /** The requirement as shown in the verdict table, e.g. "within ±0.01 (two-sided)". */
        public String requirement() {
            return switch (comparison) {
                case WITHIN -> "within ±" + tolerance + " (two-sided)";
                case AT_LEAST -> "≥ " + tolerance + " (one-sided)";
                case AT_MOST -> "≤ " + tolerance + " (one-sided)";
                default -> throw new IllegalStateException("check: unknown comparison " + comparison);
            };
        }
    }

    /** What the verdict of a single comparison is about: one trained model, on intervals over its test prompts. */
    public static final String SCOPE = "1 trained model (prompt interval); " + SeedIntervals.ONE_SEED_NOTE;

    /**
     * The per-prompt values the comparison's statistics are made of.
     *
     * @param trained the trained model's predictions {@code [B]}
     * @param gd the GD(η*) oracle's predictions {@code [B]}
     * @param trainedJacobians ∂ŷ/∂x_q of the trained model {@code [B][d]}
     * @param gdJacobians ∂ŷ/∂x_q of the GD(η*) construction {@code [B][d]}
     */
    public record PerPrompt(double[] trained, double[] gd, double[][] trainedJacobians, double[][] gdJacobians) {}

    /**
     * Everything the comparison measured.
     *
     * @param metrics flat metric map (keys as in metrics.json)
     * @param checks the verdict checks
     * @param gammaEff Γ_eff of the trained layer ({@code [d, d]}), or null for a multi-layer model
     * @param perPrompt the per-prompt predictions and Jacobians behind the statistics
     */
    public record Result(Map<String, Object> metrics, List<Check> checks, DMatrixRMaj gammaEff, PerPrompt perPrompt) {
        /** Every check passed. */
        public boolean consistent() {
            return checks.stream().allMatch(Check::passed);
        }

        /** "consistent" (all pass), "inconsistent" (some check fails) or "inconclusive". */
        public String verdict() {
            if (consistent()) {
                return "consistent";
            }
            return checks.stream().anyMatch(c -> c.outcome() == Outcome.FAIL) ? "inconsistent" : "inconclusive";
        }
    }

    private OneStepGdComparison() {}

    /**
     * Runs the comparison.
     *
     * @param trained the trained model's weights
     * @param test held-out prompts (B of them)
     * @param etaStar the optimal one-step step size to compare with
     * @param manager DJL manager for the float64 LSA evaluations
     */
    public static Result compare(LsaWeights trained, PromptSet test, double etaStar, Thresholds thresholds,
            NDManager manager) {
        int d = test.d();
        double[] y = test.targets();
        LsaRegressor model = new LsaRegressor("trained LSA", trained, manager);
        LsaRegressor construction = new LsaRegressor("GD(η*) construction", OneStepGdConstruction.weights(d, etaStar),
                manager);
        GradientDescentOracle gd = GradientDescentOracle.oneStep(etaStar);

        double[] predModel = model.predict(test);
        double[] predGd = gd.predict(test);
        double[] predOls = LeastSquaresOracle.ols().predict(test);
        double[][] jacModel = model.queryJacobians(test);
        double[][] jacGd = construction.queryJacobians(test);

        Map<String, Object> m = new LinkedHashMap<>();
        m.put("eta_star", etaStar);
        double mseModel = PredictionMetrics.mse(predModel, y);
        double mseGd = PredictionMetrics.mse(predGd, y);
        m.put("mse.trained", mseModel);
        m.put("mse.gd", mseGd);
        m.put("mse.zero", PredictionMetrics.mse(new ZeroPredictor().predict(test), y));
        m.put("mse.ols", PredictionMetrics.mse(predOls, y));
        m.put("mse.relative_gap", (mseModel - mseGd) / mseGd);
        m.put("preds_diff", PredictionMetrics.predsDiff(predModel, predGd));
        m.put("preds_rms", PredictionMetrics.predsRms(predModel, predGd));
        m.put("model_diff", PredictionMetrics.modelDiff(jacModel, jacGd));
        m.put("model_cos", PredictionMetrics.modelCos(jacModel, jacGd));

        DMatrixRMaj gammaEff = null;
        if (trained.depth() == 1) {
            LsaLayerWeights layer = trained.layer(0);
            m.putAll(interpolation(layer, test, etaStar, manager));
            EffectivePreconditioner ep = EffectivePreconditioner.of(layer);
            gammaEff = ep.gamma();
            double scalar = CommonOps_DDRM.trace(gammaEff) / d;
            DMatrixRMaj diff = gammaEff.copy();
            for (int k = 0; k < d; k++) {
                diff.add(k, k, -etaStar);
            }
            m.put("gamma_eff_scalar", scalar);
            m.put("gamma_eff_residual", org.ejml.dense.row.NormOps_DDRM.normF(diff) / (Math.abs(etaStar) * Math.sqrt(d)));
            m.put("norm.pv_label_row_x", ep.valueLabelFromInputsNorm());
            m.put("norm.kq_label_row_x", ep.keyQueryLabelRowNorm());
        }
        m.put("test_prompts", test.size());

        // Intervals over the test prompts (percentile bootstrap, seeded so a rerun gives the same table).
        double[] seModel = PredictionMetrics.squaredErrors(predModel, y);
        double[] seGd = PredictionMetrics.squaredErrors(predGd, y);
        Bootstrap.Interval gapCi = Bootstrap.of(y.length, idx -> {
            double a = 0;
            double b = 0;
            for (int i : idx) {
                a += seModel[i];
                b += seGd[i];
            }
            return a / b - 1;
        }, Bootstrap.DEFAULT_RESAMPLES, SeedIntervals.LEVEL, 1);
        Bootstrap.Interval cosCi = Bootstrap.mean(PredictionMetrics.cosines(jacModel, jacGd), 2);
        Bootstrap.Interval pdCi = Bootstrap.mean(PredictionMetrics.absoluteDifferences(predModel, predGd), 3);
        m.put("mse.relative_gap_ci95", List.of(gapCi.lower(), gapCi.upper()));
        m.put("model_cos_ci95", List.of(cosCi.lower(), cosCi.upper()));
        m.put("preds_diff_ci95", List.of(pdCi.lower(), pdCi.upper()));
        m.put("verdict_scope", SCOPE);

        List<Check> checks = new ArrayList<>();
        double tol = thresholds.maxRelativeMseGap();
        // "matches GD(η*)" is an equivalence: a model much better than one GD step (e.g. three layers) fails it too.
        checks.add(check("trained MSE vs GD(η*) MSE (relative gap)", gapCi,
                outcome(gapCi.lower() >= -tol && gapCi.upper() <= tol, gapCi.upper() < -tol || gapCi.lower() > tol),
                "mse.relative_gap", WITHIN, tol));
        double minCos = thresholds.minModelCos();
        checks.add(check("model cos (∂ŷ/∂x_q)", cosCi,
                outcome(cosCi.lower() >= minCos, cosCi.upper() < minCos), "model_cos", AT_LEAST, minCos));
        double maxPd = thresholds.maxPredsDiff();
        checks.add(check("preds diff (mean |ŷ_model − ŷ_GD|)", pdCi,
                outcome(pdCi.upper() <= maxPd, pdCi.lower() > maxPd), "preds_diff", AT_MOST, maxPd));
        return new Result(m, checks, gammaEff, new PerPrompt(predModel, predGd, jacModel, jacGd));
    }

    private static Check check(String criterion, Bootstrap.Interval ci, Outcome outcome, String key,
            String comparison, double tolerance) {
        return new Check(criterion, ci.estimate(), ci.lower(), ci.upper(), outcome, key, comparison, tolerance);
    }

    private static Outcome outcome(boolean pass, boolean fail) {
        return pass ? Outcome.PASS : fail ? Outcome.FAIL : Outcome.INCONCLUSIVE;
    }

    /**
     * The interpolation test: rescale the trained layer to {@code W_KQ/β, W_PV·β} with β the mean diagonal of the
     * x-block of W_KQ, average with the GD(η*) construction, and evaluate the midpoint's MSE.
     */
    static Map<String, Object> interpolation(LsaLayerWeights layer, PromptSet test, double etaStar,
            NDManager manager) {
        int d = layer.dim() - 1;
        DMatrixRMaj kq = layer.keyQuery();
        DMatrixRMaj pv = layer.projectedValue();
        double beta = 0;
        for (int k = 0; k < d; k++) {
            beta += kq.get(k, k);
        }
        beta /= d;
        LsaLayerWeights gd = OneStepGdConstruction.layer(d, etaStar);
        DMatrixRMaj kqMid = new DMatrixRMaj(kq.numRows, kq.numCols);
        DMatrixRMaj pvMid = new DMatrixRMaj(kq.numRows, kq.numCols);
        CommonOps_DDRM.add(0.5 / beta, kq, 0.5, gd.keyQuery(), kqMid);
        CommonOps_DDRM.add(0.5 * beta, pv, 0.5, gd.projectedValue(), pvMid);
        LsaWeights mid = LsaWeights.of(List.of(LsaLayerWeights.fromProducts(kqMid, pvMid)));
        double mse = PredictionMetrics.mse(new LsaRegressor("midpoint", mid, manager).predict(test), test.targets());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("interpolation_beta", beta);
        m.put("interpolation_mse", mse);
        return m;
    }
}
