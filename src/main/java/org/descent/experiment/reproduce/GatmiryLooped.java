package org.descent.experiment.reproduce;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import org.descent.compare.AlgorithmDistances;
import org.descent.compare.PredictionMetrics;
import org.descent.experiment.EvalConfig;
import org.descent.experiment.ExperimentConfig;
import org.descent.experiment.OneStepGdExperiment;
import org.descent.model.LoopedPreconditionerLsa;
import org.descent.model.LsaRegressor;
import org.descent.model.LsaWeights;
import org.descent.model.ModelConfig;
import org.descent.oracle.EffectivePreconditioner;
import org.descent.oracle.LeastSquaresOracle;
import org.descent.oracle.PreconditionerTheory;
import org.descent.oracle.RidgeGrid;
import org.descent.oracle.SharedPreconditionerFit;
import org.descent.regressor.QuerySensitivity;
import org.descent.report.Plots;
import org.descent.report.Report;
import org.descent.task.CovarianceSpec;
import org.descent.task.PromptSet;
import org.descent.task.Seeds;
import org.descent.task.TaskConfig;
import org.descent.task.TaskSamplers;
import org.descent.train.LoopedPreconditionerTrainer;
import org.descent.train.TrainConfig;
import org.descent.train.TrainingState;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.NormOps_DDRM;

/**
 * Gatmiry, Saunshi, Reddi, Jegelka, Kumar 2024: the global minimiser of a looped (weight-tied) linear transformer
 * trained on in-context linear regression implements L steps of preconditioned GD with one shared preconditioner
 * that adapts to Σ (≈ Σ⁻¹), and training reaches it.
 *
 * <p>Part 1 (the headline verdicts) trains the paper's model: the restricted looped LSA of {@link
 * LoopedPreconditionerLsa} whose only free blocks are the preconditioner A and the label-row vector u, on the paper's
 * data (x ~ N(0, Σ), w ~ N(0, Σ⁻¹)). Judged: a shared-Γ PGD fitted to the model reproduces it on held-out prompts; u
 * vanishes; Γ = Aᵀ is within tolerance of the paper's closed form c*Σ⁻¹ (c* the best scale for L steps, found by a
 * one-dimensional Monte-Carlo search); Γ adapts to Σ; the loss equals that of c*Σ⁻¹ PGD within ±5%. Part 2 (context,
 * no verdict) trains the fully parameterised looped LSA (W_Q, W_K, W_V, P all free) on the same data: beyond the
 * theorem's setting.
 */
final class GatmiryLooped implements Preset {
    static final int D = 5;
    static final int N = 20;
    static final int LOOPS = 3;
    static final long ROTATION_SEED = 2024L;
    static final String[] SETTINGS = {"anisotropic", "isotropic"};
    /** Behavioural alignment with the shared-Γ PGD fitted to the model, held out (the probes' effect scale). */
    static final double MAX_RELATIVE_SPD = 0.01;
    static final double MIN_COS = 0.995;
    /** The trained loss equals the loss of c*Σ⁻¹ PGD within this relative gap (two-sided). */
    static final double MAX_GAP_TO_OPTIMUM = 0.05;
    /** ‖Γ − c*Σ⁻¹‖_F / ‖c*Σ⁻¹‖_F. */
    static final double MAX_GAMMA_ERROR = 0.15;
    /**
     * sym(Γ_fit) ≻ 0, judged as λ_min(sym Γ_fit)/max|λ| ≥ this (one-sided): strictly positive, so a singular Γ (no
     * step along some direction; margin 0 up to rounding) fails. The theorem's Γ ∝ Σ⁻¹ has margin 1/cond(Σ) (0.2 for
     * the anisotropic Σ here).
     */
    static final double MIN_DESCENT_MARGIN = 0.01;
    /**
     * "Clearly closer than the closest of OLS/ridge": the whole interval of the control's relative SPD minus PGD's
     * lies strictly above 0, so a model that is its control (a difference of exactly 0) does not pass.
     */
    static final double MIN_ADVANTAGE_OVER_CONTROL = org.descent.probe.Evidence.STRICTLY_POSITIVE;
    /** ‖u‖ / ‖A‖_F: the theorem's u_opt = 0. */
    static final double MAX_U_RATIO = 0.05;
    /** The trained Γ's differ between the two Σ by at least this fraction of how much Σ⁻¹ and I differ. */
    static final double MIN_DIFFERENCE_FRACTION = 0.5;
    static final double[] CONTROL_LAMBDAS = RidgeGrid.logGrid(1e-3, 1e2, 11);
    static final double CONSTRUCTION_TOL = 1e-5;
    /** Full parameterisation (part 2): Adam learning rate. */
    static final double LR = 3e-3;
    /** Restricted parameterisation (part 1): Adam learning rate and the std of the seeded Gaussian init of A and u. */
    static final double RESTRICTED_LR = 1e-2;
    static final double RESTRICTED_INIT = 0.1;
    /** The grid of scales c of Γ = cΣ⁻¹ searched for c* (then refined by golden section). */
    static final double SCALE_MIN = 0.05;
    static final double SCALE_MAX = 1.5;

    private final int restrictedSteps;
    private final int steps;
    private final int testPrompts;
    private final int fitPrompts;
    private final int optimumPrompts;

    GatmiryLooped() {
        this(2000, 4000, EvalConfig.defaults().testPrompts(), 4000, 20_000);
    }

    /** A shortened run (tests): fewer training steps and prompts. */
    GatmiryLooped(int restrictedSteps, int steps, int testPrompts, int fitPrompts, int optimumPrompts) {
        this.restrictedSteps = restrictedSteps;
        this.steps = steps;
        this.testPrompts = testPrompts;
        this.fitPrompts = fitPrompts;
        this.optimumPrompts = optimumPrompts;
    }

    @Override
    public String name() {
        return "gatmiry-looped";
    }

    @Override
    public double secondsPerSeed() {
        return 330;
    }

    @Override
    public String paper() {
        return "Gatmiry, Saunshi, Reddi, Jegelka, Kumar 2024, Can looped transformers learn to implement multi-step "
                + "gradient descent for in-context learning? (ICML), arXiv 2410.08292";
    }

    @Override
    public String claim() {
        return "For in-context linear regression with x ~ N(0, Σ) and w ~ N(0, Σ⁻¹), the global minimiser of the "
                + "population loss of a looped linear transformer with L loops, in the paper's parameterisation (one "
                + "layer applied L times, free blocks only the preconditioner A of the key-query product and a vector "
                + "u in the label row of the value-projection product), has u = 0 and A ≈ Σ⁻¹ (up to a scale that "
                + "tends to 1 as N grows), i.e. it implements L steps of preconditioned GD with one shared "
                + "preconditioner that adapts to Σ; gradient training reaches it. Setting here: d = " + D + ", N = "
                + N + ", L = " + LOOPS + ", Σ anisotropic (eigenvalues k/3, k = 1..5, rotated) and Σ = I, no noise. "
                + "Support needs, for the restricted model in both settings: a shared-Γ " + LOOPS + "-step PGD fitted "
                + "to its predictions on fitting prompts reproduces it on disjoint test prompts (relative SPD ≤ "
                + MAX_RELATIVE_SPD + ", model cos ≥ " + MIN_COS + ") clearly better than the closest of OLS/ridge; "
                + "sym(Γ_fit) ≻ 0 (λ_min(sym Γ_fit)/max|λ| ≥ " + MIN_DESCENT_MARGIN + ", so a singular Γ fails); "
                + "‖u‖/‖A‖_F ≤ " + MAX_U_RATIO + "; Γ = Aᵀ is within " + (int) (MAX_GAMMA_ERROR * 100) + "% of "
                + "c*Σ⁻¹ (c* the best scale for " + LOOPS + " steps); its test MSE equals that of c*Σ⁻¹ PGD within ±"
                + (int) (MAX_GAP_TO_OPTIMUM * 100) + "% (two-sided); and the two trained Γ's differ by at least half "
                + "as much as Σ⁻¹ and I do (scale-free). The fully parameterised looped LSA is reported beside it, "
                + "outside the theorem's setting, without a verdict.";
    }

    static TaskConfig task(String setting) {
        if (setting.equals("isotropic")) {
            return TaskConfig.gaussian(D, N, null, 0.0).withWeightPrior(TaskConfig.PRIOR_INVERSE_COVARIANCE);
        }
        double[] eig = new double[D];
        for (int k = 1; k <= D; k++) {
            eig[k - 1] = k / 3.0;
        }
        return TaskConfig.gaussian(D, N, CovarianceSpec.ofEigenvalues(eig, ROTATION_SEED), 0.0)
                .withWeightPrior(TaskConfig.PRIOR_INVERSE_COVARIANCE);
    }

    /** The fully parameterised looped LSA (part 2). */
    ExperimentConfig config(String setting) {
        TrainConfig b = TrainConfig.defaults();
        return new ExperimentConfig(task(setting), new ModelConfig(LOOPS, true, 0.1), new TrainConfig(steps,
                b.batchSize(), LR, b.beta1(), b.beta2(), b.epsilon(), b.clipNorm(), TrainConfig.COSINE, 0, 0.0, 0L, 0),
                EvalConfig.defaults());
    }

    /** Training of the restricted looped LSA (part 1), seeded with {@code seed}. */
    TrainConfig restrictedTrain(long seed) {
        TrainConfig b = TrainConfig.defaults();
        return new TrainConfig(restrictedSteps, b.batchSize(), RESTRICTED_LR, b.beta1(), b.beta2(), b.epsilon(),
                b.clipNorm(), TrainConfig.COSINE, 0, 0.0, seed, 0);
    }

    /**
     * c*: the scale c minimising the MSE of L-step PGD with Γ = cΣ⁻¹ on {@code prompts}, by a grid over
     * [{@link #SCALE_MIN}, {@link #SCALE_MAX}] refined by golden-section search.
     */
    static double optimalScale(PromptSet prompts, DMatrixRMaj sigmaInverse, int loops) {
        java.util.function.DoubleUnaryOperator mse = c -> {
            DMatrixRMaj g = sigmaInverse.copy();
            CommonOps_DDRM.scale(c, g);
            return PredictionMetrics.mse(SharedPreconditionerFit.predict(prompts, g, loops), prompts.targets());
        };
        int grid = 30;
        double step = (SCALE_MAX - SCALE_MIN) / grid;
        double best = SCALE_MIN;
        double bestValue = Double.POSITIVE_INFINITY;
        for (int i = 0; i <= grid; i++) {
            double c = SCALE_MIN + i * step;
            double v = mse.applyAsDouble(c);
            if (v < bestValue) {
                bestValue = v;
                best = c;
            }
        }
        double lo = Math.max(1e-6, best - step);
        double hi = best + step;
        double phi = (Math.sqrt(5) - 1) / 2;
        double x1 = hi - phi * (hi - lo);
        double x2 = lo + phi * (hi - lo);
        double f1 = mse.applyAsDouble(x1);
        double f2 = mse.applyAsDouble(x2);
        for (int it = 0; it < 40; it++) {
            if (f1 < f2) {
                hi = x2;
                x2 = x1;
                f2 = f1;
                x1 = hi - phi * (hi - lo);
                f1 = mse.applyAsDouble(x1);
            } else {
                lo = x1;
                x1 = x2;
                f1 = f2;
                x2 = lo + phi * (hi - lo);
                f2 = mse.applyAsDouble(x2);
            }
        }
        return (lo + hi) / 2;
    }

    /**
     * Behavioural evidence for "the model is L-step PGD with one shared Γ", judged on prompts the fit never saw.
     *
     * @param fit the shared-Γ PGD fitted to the model on the fitting prompts
     * @param relativeSpd {@code Σ (ŷ_M − ŷ_PGD)² / Σ ŷ_M²} on the test prompts
     * @param cos model cos of ∂ŷ/∂x_q, model vs fitted PGD
     * @param control the control's name (closest of OLS/ridge on the fitting prompts)
     * @param controlRelativeSpd the same relative SPD for the control
     * @param advantage control's relative SPD minus PGD's (positive: PGD is closer)
     * @param descentMargin λ_min(sym Γ_fit)/max|λ| (positive: every step descends)
     */
    record Evidence(SharedPreconditionerFit.Fit fit, SeedSample relativeSpd, SeedSample cos, String control,
            SeedSample controlRelativeSpd, SeedSample advantage, double descentMargin) {}

    /** Fits shared-Γ L-step PGD to {@code model} on {@code fitPrompts} and measures it on {@code test}. */
    static Evidence evidence(QuerySensitivity model, int loops, PromptSet fitPrompts, PromptSet test,
            double[] modelTest, double[][] jacTest, List<DMatrixRMaj> starts) {
        double[] onFit = model.predict(fitPrompts);
        PromptSet relabelled = new PromptSet(fitPrompts.d(), fitPrompts.n(), fitPrompts.flatTokens(), onFit);
        List<DMatrixRMaj> all = new ArrayList<>(starts);
        DMatrixRMaj oneStep = org.descent.oracle.PgdFeatureRegression.fit(fitPrompts, onFit).gamma();
        CommonOps_DDRM.scale(1.0 / loops, oneStep);
        all.add(oneStep);
        SharedPreconditionerFit.Fit fit = SharedPreconditionerFit.fit(fitPrompts, onFit, loops, all);
        QuerySensitivity pgd = fit.toOracle();
        double lambda = RidgeGrid.search(relabelled, CONTROL_LAMBDAS).bestLambda();
        QuerySensitivity control = LeastSquaresOracle.ols();
        QuerySensitivity ridge = LeastSquaresOracle.ridge(lambda);
        if (PredictionMetrics.mse(ridge.predict(relabelled), onFit)
                < PredictionMetrics.mse(control.predict(relabelled), onFit)) {
            control = ridge;
        }
        double[] pp = pgd.predict(test);
        double[] pc = control.predict(test);
        int b = modelTest.length;
        double[] dp = new double[b];
        double[] dc = new double[b];
        double[] diff = new double[b];
        double[] m2 = new double[b];
        for (int i = 0; i < b; i++) {
            dp[i] = (modelTest[i] - pp[i]) * (modelTest[i] - pp[i]);
            dc[i] = (modelTest[i] - pc[i]) * (modelTest[i] - pc[i]);
            diff[i] = dc[i] - dp[i];
            m2[i] = modelTest[i] * modelTest[i];
        }
        return new Evidence(fit, SeedSample.ratio(dp, m2, 0),
                SeedSample.mean(PredictionMetrics.cosines(jacTest, pgd.queryJacobians(test))), control.name(),
                SeedSample.ratio(dc, m2, 0), SeedSample.ratio(diff, m2, 0),
                AlgorithmDistances.descentMargin(fit.gamma()));
    }

    /** The behavioural shared-Γ PGD headlines of one setting over seeds. */
    static List<Headline> evidenceHeadlines(String key, String label, List<Evidence> ev) {
        return evidenceHeadlines(key, label, ev, true);
    }

    /**
     * The behavioural shared-Γ PGD headlines of one setting over seeds; with {@code judged} false they are context
     * (no verdict), their requirement named in the label.
     */
    static List<Headline> evidenceHeadlines(String key, String label, List<Evidence> ev, boolean judged) {
        String p = label + ": ";
        return List.of(
                judge(judged, key + "shared_pgd_relative_spd", p + "relative SPD to shared-Γ " + LOOPS
                        + "-step PGD fitted to the model (held-out)", ev.stream().map(Evidence::relativeSpd).toList(),
                        "≤", MAX_RELATIVE_SPD),
                judge(judged, key + "shared_pgd_model_cos", p + "model cos to the fitted shared-Γ PGD (held-out)",
                        ev.stream().map(Evidence::cos).toList(), "≥", MIN_COS),
                judge(judged, key + "shared_pgd_advantage_over_control", p + "control's relative SPD minus "
                        + "shared-Γ PGD's (control: closest of OLS/ridge)",
                        ev.stream().map(Evidence::advantage).toList(), "≥", MIN_ADVANTAGE_OVER_CONTROL),
                judge(judged, key + "fitted_gamma_descent_margin", p + "descent margin of Γ_fit "
                        + "(λ_min(sym Γ)/max|λ|; sym Γ ≻ 0)", ev.stream().map(e -> SeedSample.fixed(e.descentMargin()))
                        .toList(), "≥", MIN_DESCENT_MARGIN),
                SeedSample.info(key + "control_relative_spd", p + "control relative SPD (" + ev.get(0).control()
                        + " for the first seed)", ev.stream().map(Evidence::controlRelativeSpd).toList()));
    }

    /** A one-sided verdict headline, or (not judged) the same numbers as context with the requirement in the name. */
    private static Headline judge(boolean judged, String key, String name, List<SeedSample> samples, String side,
            double threshold) {
        if (!judged) {
            return SeedSample.info(key, name + " [context; PGD would give " + side + " " + Report.num(threshold) + "]",
                    samples);
        }
        return side.equals("≤") ? SeedSample.atMost(key, name, samples, threshold)
                : SeedSample.atLeast(key, name, samples, threshold);
    }

    /** Per-seed samples collected under a headline key, in insertion order. */
    private static final class Samples {
        private final Map<String, List<SeedSample>> byKey = new LinkedHashMap<>();

        void add(String key, SeedSample s) {
            byKey.computeIfAbsent(key, k -> new ArrayList<>()).add(s);
        }

        List<SeedSample> get(String key) {
            return byKey.getOrDefault(key, List.of());
        }
    }

    /** MSE of the model and of PGD (Γ_fit, reference Γ) at k = 1..2L iterations, and the model-vs-PGD(Γ_fit) SPD. */
    private record Extrapolation(double[] model, double[] pgdFit, double[] pgdReference, double[] relativeSpd,
            double[] modelLong, double[] pgdLong) {}

    private static Extrapolation extrapolate(IntFunction<LsaWeights> atLoops, DMatrixRMaj gFit, DMatrixRMaj reference,
            PromptSet test, double[] atTrained, PresetRun run) {
        double[] y = test.targets();
        double[] mm = new double[2 * LOOPS];
        double[] mf = new double[2 * LOOPS];
        double[] mr = new double[2 * LOOPS];
        double[] spd = new double[2 * LOOPS];
        double[] ml = null;
        double[] fl = null;
        for (int k = 1; k <= 2 * LOOPS; k++) {
            double[] a = k == LOOPS ? atTrained : new LsaRegressor("looped LSA x" + k, atLoops.apply(k),
                    run.manager()).predict(test);
            double[] b = SharedPreconditionerFit.oracle(gFit, k).predict(test);
            double[] c = SharedPreconditionerFit.oracle(reference, k).predict(test);
            mm[k - 1] = PredictionMetrics.mse(a, y);
            mf[k - 1] = PredictionMetrics.mse(b, y);
            mr[k - 1] = PredictionMetrics.mse(c, y);
            spd[k - 1] = AlgorithmDistances.spd(a, b) / meanSquare(a);
            if (k == 2 * LOOPS) {
                ml = a;
                fl = b;
            }
        }
        return new Extrapolation(mm, mf, mr, spd, ml, fl);
    }

    private static SeedSample relativeSpd(double[] model, double[] other) {
        double[] d = new double[model.length];
        double[] m2 = new double[model.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = (model[i] - other[i]) * (model[i] - other[i]);
            m2[i] = model[i] * model[i];
        }
        return SeedSample.ratio(d, m2, 0);
    }

    private static double norm(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x * x;
        }
        return Math.sqrt(s);
    }

    /** The least-squares scale α of {@code b} closest to {@code a}: {@code ⟨a, b⟩ / ⟨b, b⟩} (0 when b = 0). */
    static double projectionScale(DMatrixRMaj a, DMatrixRMaj b) {
        double ab = 0;
        double bb = 0;
        for (int i = 0; i < a.data.length; i++) {
            ab += a.data[i] * b.data[i];
            bb += b.data[i] * b.data[i];
        }
        return bb == 0 ? 0 : ab / bb;
    }

    @Override
    public PresetResult run(PresetRun run) {
        List<Headline> heads = new ArrayList<>();
        Map<String, Object> metrics = new LinkedHashMap<>();
        Map<String, Object> configs = new LinkedHashMap<>();
        List<List<String>> restrictedRows = new ArrayList<>();
        List<List<String>> fullRows = new ArrayList<>();
        List<List<String>> extrapolationRows = new ArrayList<>();
        Map<String, DMatrixRMaj> sigmaInverses = new LinkedHashMap<>();
        Map<String, List<DMatrixRMaj>> trainedGammas = new LinkedHashMap<>();
        Map<String, Plots.Curve[]> curves = new LinkedHashMap<>();
        Map<String, org.descent.report.Figure> lossFigures = new LinkedHashMap<>();
        Map<String, double[][]> maps = new LinkedHashMap<>();
        Samples s = new Samples();
        double[] constructionBySeed = new double[run.seeds().size()];
        double[] iters = new double[2 * LOOPS];
        for (int k = 1; k <= 2 * LOOPS; k++) {
            iters[k - 1] = k;
        }
        for (String setting : SETTINGS) {
            ExperimentConfig cfg = config(setting);
            configs.put(setting + ".full", cfg);
            configs.put(setting + ".restricted.train", restrictedTrain(0L));
            TaskConfig task = cfg.task();
            DMatrixRMaj sigma = task.inputCovariance();
            DMatrixRMaj sqrt = PreconditionerTheory.symmetricSqrt(sigma);
            DMatrixRMaj sigmaInv = sigma.copy();
            CommonOps_DDRM.invert(sigmaInv);
            sigmaInverses.put(setting, sigmaInv);
            // the paper's closed form at the best scale, and (context) a free shared Γ fitted to the task's targets
            long o0 = System.nanoTime();
            PromptSet optPrompts = run.prompts(task, 7L, Seeds.SEARCH + 1, optimumPrompts);
            double cStar = optimalScale(optPrompts, sigmaInv, LOOPS);
            DMatrixRMaj closed = sigmaInv.copy();
            CommonOps_DDRM.scale(cStar, closed);
            SharedPreconditionerFit.Fit mc = SharedPreconditionerFit.fit(optPrompts, optPrompts.targets(), LOOPS,
                    List.of(closed));
            run.time("fit_s", (System.nanoTime() - o0) / 1e9);
            metrics.put(setting + ".optimal_scale_c_star", cStar);
            metrics.put(setting + ".gamma_closed_form", Matrices.toArray(closed));
            metrics.put(setting + ".gamma_free_fit_to_targets", Matrices.toArray(mc.gamma()));
            String key = setting + ".";
            String fullKey = "full." + setting + ".";
            List<Evidence> evR = new ArrayList<>();
            List<Evidence> evF = new ArrayList<>();
            for (int si = 0; si < run.seeds().size(); si++) {
                long seed = run.seeds().get(si);
                PromptSet fit = run.prompts(task, seed, Seeds.SEARCH, fitPrompts);
                PromptSet test = run.prompts(task, seed, Seeds.TEST, testPrompts);
                double[] y = test.targets();
                double[] pClosed = SharedPreconditionerFit.oracle(closed, LOOPS).predict(test);
                double[] pMc = mc.toOracle().predict(test);
                double[] seClosed = PredictionMetrics.squaredErrors(pClosed, y);
                // ---- part 1: the paper's restricted looped LSA
                TrainConfig tc = restrictedTrain(seed);
                double[][] init = LoopedPreconditionerTrainer.gaussianInit(D, RESTRICTED_INIT,
                        Seeds.derive(seed, Seeds.INIT, 1));
                TrainingState rs = run.trainModel("restricted " + LOOPS + "-loop LSA, " + setting + " Σ", seed,
                        restrictedSteps, listener -> {
                            LoopedPreconditionerTrainer tr = LoopedPreconditionerTrainer.start(run.manager(),
                                    DMatrixRMaj.wrap(D, D, init[0]), init[1], LOOPS, TaskSamplers.forTask(task), tc);
                            tr.run(listener, (state, status) -> "not saved");
                            return tr.snapshot();
                        });
                long e0 = System.nanoTime();
                LsaWeights rw = rs.weights();
                DMatrixRMaj a = LoopedPreconditionerLsa.preconditionerBlock(rw);
                double[] u = LoopedPreconditionerLsa.labelRowVector(rw);
                DMatrixRMaj gr = LoopedPreconditionerLsa.gamma(rw);
                trainedGammas.computeIfAbsent(setting, x -> new ArrayList<>()).add(gr);
                LsaRegressor rm = new LsaRegressor("restricted looped LSA", rw, run.manager());
                double[] pr = rm.predict(test);
                Evidence er = evidence(rm, LOOPS, fit, test, pr, rm.queryJacobians(test), List.of(closed));
                evR.add(er);
                double[] seR = PredictionMetrics.squaredErrors(pr, y);
                s.add(key + "mse_gap_to_closed_form_pgd", SeedSample.relativeGap(seR, seClosed));
                s.add(key + "mse_gap_to_free_fit_pgd", SeedSample.relativeGap(seR,
                        PredictionMetrics.squaredErrors(pMc, y)));
                s.add(key + "gamma_error", SeedSample.fixed(Matrices.relativeError(gr, closed)));
                s.add(key + "u_ratio", SeedSample.fixed(norm(u) / NormOps_DDRM.normF(a)));
                s.add(key + "gamma_scale", SeedSample.fixed(projectionScale(gr, sigmaInv)));
                s.add(key + "gamma_shape_error", SeedSample.fixed(scaleFreeDifference(gr, sigmaInv)));
                s.add(key + "whitened_gamma_dist", SeedSample.fixed(whitenedDist(sqrt, gr)));
                s.add(key + "gamma_fit_vs_trained", SeedSample.fixed(Matrices.relativeError(er.fit().gamma(), gr)));
                // the model with u set to 0 is exactly PGD with Γ = Aᵀ (construction == oracle), and the construction
                // of the fitted algorithm equals its oracle
                double[] pu0 = new LsaRegressor("u = 0", LoopedPreconditionerLsa.weights(a, new double[D], LOOPS),
                        run.manager()).predict(test);
                double[] pgr = SharedPreconditionerFit.oracle(gr, LOOPS).predict(test);
                double[] pfr = er.fit().toOracle().predict(test);
                double[] pcr = new LsaRegressor("construction", er.fit().toConstruction(LOOPS), run.manager())
                        .predict(test);
                constructionBySeed[si] = Math.max(constructionBySeed[si], Math.max(maxAbsDiff(pu0, pgr),
                        maxAbsDiff(pcr, pfr)));
                Extrapolation xr = extrapolate(k -> LoopedPreconditionerLsa.weights(a, u, k), er.fit().gamma(), closed,
                        test, pr, run);
                s.add(key + "extrapolated_relative_spd", relativeSpd(xr.modelLong(), xr.pgdLong()));
                s.add(key + "extrapolated_mse_change", SeedSample.relativeGap(
                        PredictionMetrics.squaredErrors(xr.modelLong(), y), seR));
                for (int k = 1; k <= 2 * LOOPS; k++) {
                    extrapolationRows.add(List.of("restricted", setting, Long.toString(seed), Integer.toString(k),
                            k <= LOOPS ? (k == LOOPS ? "trained depth" : "fewer") : "extrapolated",
                            Report.num(xr.model()[k - 1]), Report.num(xr.pgdFit()[k - 1]),
                            Report.num(xr.pgdReference()[k - 1]), Report.num(xr.relativeSpd()[k - 1])));
                }
                restrictedRows.add(List.of(setting, Long.toString(seed), Report.num(PredictionMetrics.mse(pr, y)),
                        Report.num(PredictionMetrics.mse(pClosed, y)), Report.num(PredictionMetrics.mse(pMc, y)),
                        Report.num(er.relativeSpd().point()), Report.num(er.cos().point()),
                        Report.num(Matrices.relativeError(gr, closed)), Report.num(projectionScale(gr, sigmaInv)),
                        Report.num(cStar), Report.num(scaleFreeDifference(gr, sigmaInv)),
                        Report.num(norm(u) / NormOps_DDRM.normF(a))));
                String out = setting + ".seed" + seed + ".";
                run.outputPrompts(out, test);
                run.output(out + "pred.restricted", pr);
                run.output(out + "pred.pgd_closed_form", pClosed);
                run.output(out + "pred.restricted_loops" + 2 * LOOPS, xr.modelLong());
                run.outputWeights(out + "restricted.", rw);
                metrics.put(key + "seed" + seed + ".gamma_trained", Matrices.toArray(gr));
                metrics.put(key + "seed" + seed + ".u_trained", u);
                if (si == 0) {
                    metrics.put(key + "restricted_relative_spd_seed0", er.relativeSpd().point());
                    metrics.put(key + "mse_by_iterations.restricted", xr.model());
                    metrics.put(key + "mse_by_iterations.pgd_closed_form", xr.pgdReference());
                    curves.put(setting, new Plots.Curve[] {new Plots.Curve("restricted looped LSA (trained " + LOOPS
                            + " loops)", iters, xr.model()), new Plots.Curve("PGD, c*Σ⁻¹", iters, xr.pgdReference())});
                    lossFigures.put("restricted_" + setting, Plots.lossCurve(rs.losses(), List.of(
                            new Plots.Level("c*Σ⁻¹ " + LOOPS + "-step PGD (test)", xr.pgdReference()[LOOPS - 1]),
                            new Plots.Level("free shared Γ fitted to the targets (test)",
                                    PredictionMetrics.mse(pMc, y)))));
                    maps.put(setting + " Γ = Aᵀ (restricted, trained)", Matrices.toArray(gr));
                    maps.put(setting + " c*Σ⁻¹", Matrices.toArray(closed));
                }
                run.time("eval_s", (System.nanoTime() - e0) / 1e9);
                // ---- part 2: the fully parameterised looped LSA (beyond the theorem's setting)
                OneStepGdExperiment.Trained t = run.train("full " + LOOPS + "-loop LSA, " + setting + " Σ", cfg, seed);
                long f0 = System.nanoTime();
                LsaWeights weights = t.state().weights();
                LsaRegressor model = new LsaRegressor("full looped LSA", weights, run.manager());
                double[] pm = model.predict(test);
                Evidence e = evidence(model, LOOPS, fit, test, pm, model.queryJacobians(test), List.of(closed));
                evF.add(e);
                PromptSet relabelled = new PromptSet(fit.d(), fit.n(), fit.flatTokens(), model.predict(fit));
                double[] pg = org.descent.oracle.StepSizeFitter.gdPlusPlus(relabelled, LOOPS).toOracle().predict(test);
                SeedSample gdpp = relativeSpd(pm, pg);
                s.add(fullKey + "gdpp_relative_spd", gdpp);
                double[] seM = PredictionMetrics.squaredErrors(pm, y);
                s.add(fullKey + "mse_gap_to_closed_form_pgd", SeedSample.relativeGap(seM, seClosed));
                s.add(fullKey + "mse_ratio_to_restricted", SeedSample.relativeGap(seM, seR));
                EffectivePreconditioner eff = EffectivePreconditioner.of(weights, 0);
                s.add(fullKey + "input_correction_norm", SeedSample.fixed(NormOps_DDRM.normF(eff.inputCorrection())
                        / eff.gammaNorm()));
                Extrapolation xf = extrapolate(k -> new LsaWeights(weights.layers(), k), e.fit().gamma(), closed, test,
                        pm, run);
                s.add(fullKey + "extrapolated_mse_change", SeedSample.relativeGap(
                        PredictionMetrics.squaredErrors(xf.modelLong(), y), seM));
                for (int k = 1; k <= 2 * LOOPS; k++) {
                    extrapolationRows.add(List.of("full", setting, Long.toString(seed), Integer.toString(k),
                            k <= LOOPS ? (k == LOOPS ? "trained depth" : "fewer") : "extrapolated",
                            Report.num(xf.model()[k - 1]), Report.num(xf.pgdFit()[k - 1]),
                            Report.num(xf.pgdReference()[k - 1]), Report.num(xf.relativeSpd()[k - 1])));
                }
                fullRows.add(List.of(setting, Long.toString(seed), Report.num(PredictionMetrics.mse(pm, y)),
                        Report.num(PredictionMetrics.mse(pr, y)), Report.num(PredictionMetrics.mse(pClosed, y)),
                        Report.num(e.relativeSpd().point()), Report.num(gdpp.point()),
                        Report.num(NormOps_DDRM.normF(eff.inputCorrection()) / eff.gammaNorm()),
                        Report.num(eff.vanishingBlocksNorm() / eff.gammaNorm())));
                run.output(out + "pred.full", pm);
                run.outputWeights(out + "full.", weights);
                if (si == 0) {
                    metrics.put(fullKey + "shared_pgd_relative_spd_seed0", e.relativeSpd().point());
                    metrics.put(fullKey + "gdpp_relative_spd_seed0", gdpp.point());
                    metrics.put(fullKey + "mse_by_iterations", xf.model());
                    lossFigures.put("full_" + setting, Plots.lossCurve(t.state().losses(), List.of(
                            new Plots.Level("c*Σ⁻¹ " + LOOPS + "-step PGD (test)", xr.pgdReference()[LOOPS - 1]),
                            new Plots.Level("restricted looped LSA (test)", xr.model()[LOOPS - 1]))));
                    Plots.Curve[] c = curves.get(setting);
                    curves.put(setting, new Plots.Curve[] {c[0], c[1], new Plots.Curve("full looped LSA (trained "
                            + LOOPS + " loops)", iters, xf.model())});
                    maps.put(setting + " Γ_eff (full, tied layer)", Matrices.toArray(eff.gamma()));
                }
                run.time("eval_s", (System.nanoTime() - f0) / 1e9);
            }
            String label = setting + " Σ";
            heads.addAll(evidenceHeadlines(key, label, evR, true));
            heads.add(SeedSample.atMost(key + "u_ratio", label + ": ‖u‖/‖A‖_F (theorem: u = 0)", s.get(key
                    + "u_ratio"), MAX_U_RATIO));
            heads.add(SeedSample.atMost(key + "gamma_error", label + ": ‖Γ − c*Σ⁻¹‖_F / ‖c*Σ⁻¹‖_F (Γ = Aᵀ, c* = "
                    + Report.num(cStar) + ")", s.get(key + "gamma_error"), MAX_GAMMA_ERROR));
            heads.add(SeedSample.within(key + "mse_gap_to_closed_form_pgd", label + ": MSE(restricted)/MSE(c*Σ⁻¹ "
                    + LOOPS + "-step PGD) − 1", s.get(key + "mse_gap_to_closed_form_pgd"), MAX_GAP_TO_OPTIMUM));
            heads.add(SeedSample.info(key + "mse_gap_to_free_fit_pgd", label + ": MSE(restricted)/MSE(PGD with a free "
                    + "shared Γ fitted to " + optimumPrompts + " prompts' targets) − 1", s.get(key
                    + "mse_gap_to_free_fit_pgd")));
            heads.add(SeedSample.info(key + "gamma_scale", label + ": scale α of Γ ≈ αΣ⁻¹ (c* = " + Report.num(cStar)
                    + "; the paper's large-N limit: 1)", s.get(key + "gamma_scale")));
            heads.add(SeedSample.info(key + "gamma_shape_error", label + ": min_α ‖Γ − αΣ⁻¹‖_F / ‖Γ‖_F", s.get(key
                    + "gamma_shape_error")));
            heads.add(SeedSample.info(key + "whitened_gamma_dist", label + ": Dist(Σ^½ Γ Σ^½, I)", s.get(key
                    + "whitened_gamma_dist")));
            heads.add(SeedSample.info(key + "extrapolated_relative_spd", label + ": relative SPD, restricted loop at "
                    + 2 * LOOPS + " iterations vs " + 2 * LOOPS + "-step PGD with Γ_fit", s.get(key
                    + "extrapolated_relative_spd")));
            heads.add(SeedSample.info(key + "extrapolated_mse_change", label + ": MSE(" + 2 * LOOPS + " loops)/MSE("
                    + LOOPS + " loops) − 1, restricted (negative: keeps descending)", s.get(key
                    + "extrapolated_mse_change")));
            heads.addAll(evidenceHeadlines(fullKey, "full, " + label, evF, false));
            heads.add(SeedSample.info(fullKey + "mse_gap_to_closed_form_pgd", "full, " + label + ": MSE(full)/MSE(c*Σ⁻¹ "
                    + LOOPS + "-step PGD) − 1", s.get(fullKey + "mse_gap_to_closed_form_pgd")));
            heads.add(SeedSample.info(fullKey + "mse_ratio_to_restricted", "full, " + label + ": MSE(full)/MSE("
                    + "restricted) − 1", s.get(fullKey + "mse_ratio_to_restricted")));
            heads.add(SeedSample.info(fullKey + "gdpp_relative_spd", "full, " + label + ": relative SPD to " + LOOPS
                    + "-layer GD++ (untied η_k, γ_k) fitted to the model (held-out)", s.get(fullKey
                    + "gdpp_relative_spd")));
            heads.add(SeedSample.info(fullKey + "input_correction_norm", "full, " + label + ": ‖(P W_V)[:d,:d]‖_F / "
                    + "‖Γ_eff‖_F (0 for PGD)", s.get(fullKey + "input_correction_norm")));
            heads.add(SeedSample.info(fullKey + "extrapolated_mse_change", "full, " + label + ": MSE(" + 2 * LOOPS
                    + " loops)/MSE(" + LOOPS + " loops) − 1", s.get(fullKey + "extrapolated_mse_change")));
        }
        // the trained Γ's differ between the two Σ, compared with how much Σ⁻¹ and I differ (both scale-free)
        double refDiff = scaleFreeDifference(sigmaInverses.get("anisotropic"), sigmaInverses.get("isotropic"));
        List<SeedSample> ratio = new ArrayList<>();
        List<SeedSample> construction = new ArrayList<>();
        for (int si = 0; si < run.seeds().size(); si++) {
            ratio.add(SeedSample.fixed(scaleFreeDifference(trainedGammas.get("anisotropic").get(si),
                    trainedGammas.get("isotropic").get(si)) / refDiff));
            construction.add(SeedSample.fixed(constructionBySeed[si]));
        }
        heads.add(SeedSample.atLeast("gamma_difference_fraction", "min_α ‖Γ(Σ) − α Γ(I)‖_F / ‖Γ(Σ)‖_F of the "
                + "restricted model as a fraction of the same for Σ⁻¹ vs I (" + Report.num(refDiff) + ")", ratio,
                MIN_DIFFERENCE_FRACTION));
        heads.add(SeedSample.atMost("construction_vs_oracle_max_diff", "max |ŷ construction − ŷ oracle| (restricted "
                + "model with u = 0 vs PGD with Γ = Aᵀ; fitted shared-Γ PGD construction vs its oracle)", construction,
                CONSTRUCTION_TOL));
        metrics.put("sigma_inverse_difference", refDiff);
        return new PresetResult(heads, metrics, r -> {
            r.section("Setting and choices");
            r.paragraph(setting());
            r.section("Where descent disagrees with the paper");
            r.paragraph(findings(metrics, restrictedRows, fullRows));
            r.section("Part 1: the paper's restricted looped LSA (the headline verdicts)");
            r.paragraph("Γ = Aᵀ is read from the trained weights (no fit); Γ_fit is the free shared-Γ PGD fitted to the "
                    + "model's predictions on " + fitPrompts + " fitting prompts and judged on " + testPrompts
                    + " disjoint test prompts. The free fit to the targets is a Levenberg–Marquardt fit of all d² "
                    + "entries of a shared Γ to the targets of " + optimumPrompts + " prompts, started at c*Σ⁻¹ (context "
                    + "only: the MSE of 3-step PGD is heavy-tailed over prompts, so a d²-parameter fit can buy a "
                    + "lower loss on its own prompts that does not carry over).");
            r.table(List.of("Σ", "seed", "MSE restricted", "MSE PGD(c*Σ⁻¹)", "MSE PGD(free fit to targets)",
                    "rel. SPD to Γ_fit PGD (held-out)", "model cos", "‖Γ−c*Σ⁻¹‖/‖c*Σ⁻¹‖", "α (Γ≈αΣ⁻¹)", "c*",
                    "min_α‖Γ−αΣ⁻¹‖/‖Γ‖", "‖u‖/‖A‖"), restrictedRows);
            r.section("Part 2: the fully parameterised looped LSA (beyond the theorem's setting, no verdict)");
            r.paragraph("The same data and loops, but one full LSA layer (W_Q, W_K, W_V, P all trained, " + steps
                    + " Adam steps, lr " + LR + ", init std 0.1). Its held-out relative SPD to a fitted shared-Γ PGD and "
                    + "to a fitted " + LOOPS + "-layer GD++ show which algorithm it is; the theorem says nothing about "
                    + "this model.");
            r.table(List.of("Σ", "seed", "MSE full", "MSE restricted", "MSE PGD(c*Σ⁻¹)",
                    "rel. SPD to Γ_fit PGD (held-out)", "rel. SPD to GD++ (held-out)", "‖PV[:d,:d]‖/‖Γ_eff‖",
                    "vanishing blocks/‖Γ_eff‖"), fullRows);
            r.section("More loops than trained");
            r.paragraph("Each trained layer applied k = 1.." + 2 * LOOPS + " times (trained with " + LOOPS + ") beside "
                    + "k PGD steps with the model's fitted Γ_fit and with c*Σ⁻¹ (c* chosen for " + LOOPS + " steps); "
                    + "last column: relative SPD of the model at k loops to PGD(Γ_fit) with k steps. Test MSE.");
            r.table(List.of("model", "Σ", "seed", "k", "", "MSE looped LSA", "MSE PGD(Γ_fit)", "MSE PGD(c*Σ⁻¹)",
                    "rel. SPD model vs PGD(Γ_fit)"), extrapolationRows);
            for (Map.Entry<String, Plots.Curve[]> c : curves.entrySet()) {
                r.figure("iterations_" + c.getKey(), "Test MSE vs loop iterations, " + c.getKey() + " Σ (first seed)",
                        Plots.curves("Test MSE vs iterations, " + c.getKey() + " Σ", "iterations k", "MSE",
                                List.of(c.getValue()), true));
            }
            r.section("Training");
            for (Map.Entry<String, org.descent.report.Figure> f : lossFigures.entrySet()) {
                r.figure("training_" + f.getKey(), "Training loss, " + f.getKey().replace('_', ' ') + " Σ (first "
                        + "seed), with test losses for reference", f.getValue());
            }
            r.section("Preconditioners");
            org.descent.report.HeatMap.Scale shared = org.descent.report.HeatMap.Scale.symmetric(maps.values());
            for (Map.Entry<String, double[][]> m : maps.entrySet()) {
                String n = m.getKey().replace(" ", "_").replaceAll("[^A-Za-z0-9_]", "");
                r.figure("gamma_" + n, m.getKey() + " (one colour scale for all maps here)",
                        Plots.heatMap(m.getKey(), m.getValue(), shared));
            }
        }, configs);
    }

    /** The report's account of the setting and of the choices where the paper is silent or differs. */
    String setting() {
        return "Paper's model (Gatmiry et al. 2024, after Ahn et al. 2023): Z ← Z − (1/N) P Z M (Zᵀ Q Z) applied L times "
                + "with the same Q = [[A, 0], [0, 0]] and P = [[0, 0], [uᵀ, 1]], prediction −Z_L[d, N]; free "
                + "parameters A (d×d) and u (d), all other entries fixed. In descent's contract this is W_KᵀW_Q = "
                + "[[A, 0], [0, 0]] and P W_V = [[0, 0], [−uᵀ, −1]]; with u = 0 one loop is the PGD step "
                + "w ← w − Γ ∇L(w) with Γ = Aᵀ and L(w) = 1/(2N) Σ (w·x_i − y_i)², so L loops are L PGD steps with one "
                + "shared Γ. Data as in the paper's theorem: x ~ N(0, Σ), w ~ N(0, Σ⁻¹), no noise; d = " + D + ", N = "
                + N + ", L = " + LOOPS + "; Σ: eigenvalues k/3 (k = 1..5) under a random rotation (seed "
                + ROTATION_SEED + "), and Σ = I. Choices where the paper is silent or its setting differs (or where we "
                + "read it second-hand): A is a free d×d matrix (not constrained symmetric); the label-label entry of "
                + "P is fixed at 1 (a free scale there would only multiply A); A and u start from N(0, " + RESTRICTED_INIT
                + "²) entries (seeded per training seed); " + restrictedSteps + " Adam steps, batch 2048, lr "
                + RESTRICTED_LR + " with cosine decay (the paper analyses gradient flow on the population loss). The "
                + "theorem's bound (1 − c)Σ⁻¹ ⪯ A_opt ⪯ (1 + c)Σ⁻¹ has a c that vanishes only as N grows and exceeds 1 "
                + "at N = " + N + " (vacuous here), so the quantitative reference is the best matrix of the paper's "
                + "form, c*Σ⁻¹: with w ~ N(0, Σ⁻¹) the whitened problem is isotropic, "
                + "so cΣ⁻¹ is the natural candidate and c* (the MSE-optimal scale of " + LOOPS + "-step PGD) is found "
                + "by a grid and golden-section search on " + optimumPrompts + " Monte-Carlo prompts. The "
                + "verdicts ask Γ to be within " + (int) (MAX_GAMMA_ERROR * 100) + "% of c*Σ⁻¹ and the loss within "
                + "±" + (int) (MAX_GAP_TO_OPTIMUM * 100) + "% of c*Σ⁻¹ PGD's; whether some non-symmetric Γ does "
                + "better is reported as context (a free d²-entry fit to the targets).";
    }

    /** The comparison with the paper's claim in words, from the first seed's numbers. */
    static String findings(Map<String, Object> metrics, List<List<String>> restrictedRows,
            List<List<String>> fullRows) {
        StringBuilder b = new StringBuilder();
        for (String setting : SETTINGS) {
            double[] r = (double[]) metrics.get(setting + ".mse_by_iterations.restricted");
            double[] o = (double[]) metrics.get(setting + ".mse_by_iterations.pgd_closed_form");
            double[] f = (double[]) metrics.get("full." + setting + ".mse_by_iterations");
            if (r == null || o == null || f == null) {
                continue;
            }
            double ratio = r[LOOPS - 1] / o[LOOPS - 1];
            b.append(setting).append(" Σ (first seed): the restricted ").append(LOOPS).append("-loop LSA has test MSE ")
                    .append(Report.num(r[LOOPS - 1])).append(", PGD with c*Σ⁻¹ (c* = ")
                    .append(Report.num((double) metrics.get(setting + ".optimal_scale_c_star"))).append(") ")
                    .append(Report.num(o[LOOPS - 1])).append(" (ratio ").append(Report.num(ratio)).append(")");
            if (ratio < 1 - MAX_GAP_TO_OPTIMUM) {
                b.append(": the restricted model beats PGD with the paper's preconditioner");
            } else if (ratio > 1 + MAX_GAP_TO_OPTIMUM) {
                b.append(": training has not reached c*Σ⁻¹ PGD");
            } else {
                b.append(": as the paper predicts");
            }
            b.append("; held-out relative SPD to the fitted shared-Γ PGD ").append(Report.num((double) metrics.get(
                    setting + ".restricted_relative_spd_seed0"))).append(". Looped beyond training, its MSE at k = 1..")
                    .append(2 * LOOPS).append(" loops is");
            for (double v : r) {
                b.append(' ').append(Report.num(v));
            }
            b.append(" (PGD with c*Σ⁻¹:");
            for (double v : o) {
                b.append(' ').append(Report.num(v));
            }
            b.append(")");
            if (r[2 * LOOPS - 1] > r[LOOPS]) {
                b.append(": past ").append(LOOPS + 1).append(" loops its mean MSE rises again, exactly as PGD with "
                        + "the same Γ does; a step tuned for ").append(LOOPS).append(" steps can overshoot on prompts "
                        + "whose whitened sample covariance (N = ").append(N).append(", d = ").append(D).append(") has "
                        + "an eigenvalue above 2/c*, and such prompts dominate a heavy-tailed mean (see the interval "
                        + "of the 2L-loop headline). The paper's experiments report that extra loops keep lowering "
                        + "the loss; here they do not beyond ").append(LOOPS + 1);
            }
            b.append(". The fully parameterised loop reaches ")
                    .append(Report.num(f[LOOPS - 1])).append(" (").append(Report.num(f[LOOPS - 1] / o[LOOPS - 1]))
                    .append(" of c*Σ⁻¹ PGD); held-out relative SPD to a fitted shared-Γ PGD ")
                    .append(Report.num((double) metrics.get("full." + setting + ".shared_pgd_relative_spd_seed0")))
                    .append(", to a fitted ").append(LOOPS).append("-layer GD++ ")
                    .append(Report.num((double) metrics.get("full." + setting + ".gdpp_relative_spd_seed0")))
                    .append(". ");
        }
        b.append("With w ~ N(0, Σ⁻¹) the anisotropic prompts are the isotropic ones in other coordinates (x = Lz, "
                + "w = L⁻ᵀv with Σ = LLᵀ, the same seeds), so every prediction-level number of PGD with c*Σ⁻¹ coincides between the "
                + "two settings; what differs is the preconditioner training must find (cΣ⁻¹ against cI), and Adam "
                + "is not invariant to that change of coordinates. The theorem is about the restricted model (part 1). A looped layer with all four matrices free "
                + "(part 2) can also rewrite the inputs and so compute a different algorithm per loop from one set of "
                + "weights; where it beats shared-Γ PGD that is beyond the theorem's setting, not a contradiction.");
        return b.toString();
    }

    static double whitenedDist(DMatrixRMaj sqrt, DMatrixRMaj gamma) {
        int d = gamma.numRows;
        DMatrixRMaj tmp = new DMatrixRMaj(d, d);
        DMatrixRMaj w = new DMatrixRMaj(d, d);
        CommonOps_DDRM.mult(sqrt, gamma, tmp);
        CommonOps_DDRM.mult(tmp, sqrt, w);
        return AlgorithmDistances.distanceToIdentity(w);
    }

    /** {@code min_α ‖A − αB‖_F / ‖A‖_F}: 0 exactly when A ∝ B. */
    static double scaleFreeDifference(DMatrixRMaj a, DMatrixRMaj b) {
        double alpha = projectionScale(a, b);
        double r = 0;
        for (int i = 0; i < a.data.length; i++) {
            double e = a.data[i] - alpha * b.data[i];
            r += e * e;
        }
        return Math.sqrt(r) / NormOps_DDRM.normF(a);
    }

    static double maxAbsDiff(double[] a, double[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    static double meanSquare(double[] a) {
        double s = 0;
        for (double v : a) {
            s += v * v;
        }
        return s / a.length;
    }
}
