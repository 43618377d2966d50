package org.descent.probe;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.descent.oracle.AveragingOracle;
import org.descent.oracle.GdPlusPlusOracle;
import org.descent.oracle.GradientDescentOracle;
import org.descent.oracle.LeastSquaresOracle;
import org.descent.oracle.NearestNeighborsOracle;
import org.descent.oracle.OptimalStepSize;
import org.descent.oracle.PreconditionerTheory;
import org.descent.oracle.StepSizeFitter;
import org.descent.regressor.QuerySensitivity;
import org.descent.task.PromptSet;
import org.descent.task.TaskConfig;
import org.ejml.data.DMatrixRMaj;

/**
 * The reference algorithms a probe compares a model with, built for the model's task and computed lazily (once per
 * probe run): GD(η*), PGD(Γ*), K-step GD and GD++ with step sizes fitted to the task, OLS, ridge, averaging, k-NN.
 * Every reference is an EJML double-precision oracle implementing {@link QuerySensitivity}; each accessor returns the
 * same instance every time, so predictions cached per instance are computed once. Accessors are synchronized: a model
 * and its controls are probed on two threads.
 *
 * <p>Dimension glossary: {@code d} input dimension, {@code N} context examples, {@code Γ [d, d]}, {@code K} steps.
 *
 * <p>How each is chosen:
 * <ul>
 *   <li>η*: {@link OptimalStepSize#choose}: the closed form {@code N / (s (N + κ + d − 2) + σ²/ω)} for linear
 *       regression with isotropic inputs and w ~ N(0, ωI); otherwise Brent's line search on the search prompts;</li>
 *   <li>Γ*: {@link PreconditionerTheory#optimal} where the theory covers the task (linear labels, Gaussian or
 *       isotropic uniform inputs); otherwise the Monte-Carlo least-squares Γ on the search prompts;</li>
 *   <li>K-step GD / GD++: step sizes minimising the task MSE on the search prompts ({@link StepSizeFitter});</li>
 *   <li>ridge λ: the suite's {@code ridgeLambda} when set; else σ² for linear regression with noise σ > 0 and
 *       w ~ N(0, I) (Bayes-optimal); else the λ fitted to the labels of 5,000 search prompts
 *       ({@link org.descent.oracle.RidgeFitter}).</li>
 * </ul>
 */
public final class ReferenceAlgorithms {
    /** Which method produced a reference quantity. */
    public static final String CLOSED_FORM = "closed form";
    /** Monte-Carlo estimate on the search prompts. */
    public static final String MONTE_CARLO = "Monte-Carlo";

    private final TaskConfig task;
    private final PromptSource prompts;
    private final int searchCount;
    private final Double ridgeLambdaOverride;
    private StepSize etaStar;
    private Preconditioner gammaStar;
    private Double ridgeLambda;
    private final Map<String, QuerySensitivity> instances = new HashMap<>();
    private final Map<Integer, StepSizeFitter.Fit> kStep = new HashMap<>();
    private final Map<Integer, StepSizeFitter.Fit> gdpp = new HashMap<>();

    /**
     * @param prompts the run's prompt source (search prompts come from its {@code "search"} stream)
     * @param searchCount Monte-Carlo prompts for line searches and fits (suite {@code searchPrompts})
     * @param ridgeLambda the suite's ridge λ, or null to choose it as described above
     */
    public ReferenceAlgorithms(PromptSource prompts, int searchCount, Double ridgeLambda) {
        if (searchCount < 200) {
            throw new IllegalArgumentException("probe suite: searchPrompts must be at least 200, got " + searchCount);
        }
        if (ridgeLambda != null && !(ridgeLambda >= 0)) {
            throw new IllegalArgumentException("probe suite: ridgeLambda must be >= 0, got " + ridgeLambda);
        }
        this.task = prompts.task();
        this.prompts = prompts;
        this.searchCount = searchCount;
        this.ridgeLambdaOverride = ridgeLambda;
    }

    /**
     * A step size and how it was obtained.
     *
     * @param eta the value
     * @param method {@link #CLOSED_FORM} or {@link #MONTE_CARLO}
     * @param standardError Monte-Carlo standard error (0 for the closed form)
     */
    public record StepSize(double eta, String method, double standardError) {}

    /**
     * A preconditioner and how it was obtained.
     *
     * @param gamma Γ*, {@code [d, d]}
     * @param method {@link #CLOSED_FORM} or {@link #MONTE_CARLO}
     */
    public record Preconditioner(DMatrixRMaj gamma, String method) {
        public Preconditioner {
            gamma = gamma.copy();
        }

        @Override
        public DMatrixRMaj gamma() {
            return gamma.copy();
        }
    }

    /**
     * Whether the closed-form η* applies: the single decision {@link OptimalStepSize#closedFormApplies} (linear labels,
     * isotropic inputs, w ~ N(0, ωI) — the isotropic prior or the inverse-covariance prior with Σ = sI).
     */
    public synchronized boolean closedFormsApply() {
        return OptimalStepSize.closedFormApplies(task);
    }

    /** Monte-Carlo prompts of the task for line searches and fits (the {@code "search"} stream). */
    public synchronized PromptSet searchPrompts() {
        return prompts.draw("search", searchCount);
    }

    /** The optimal one-step step size η*. */
    public synchronized StepSize etaStar() {
        if (etaStar == null) {
            OptimalStepSize.Choice c = OptimalStepSize.choose(task, this::searchPrompts);
            etaStar = new StepSize(c.eta(), OptimalStepSize.CLOSED_FORM.equals(c.method()) ? CLOSED_FORM : MONTE_CARLO,
                    c.standardError());
        }
        return etaStar;
    }

    /** One GD step with η*, named "GD(η*)". */
    public synchronized GradientDescentOracle gdStar() {
        return (GradientDescentOracle) instances.computeIfAbsent("gd*",
                k -> GradientDescentOracle.oneStep(etaStar().eta()).named("GD(η*)"));
    }

    /** The optimal one-step preconditioner Γ*. */
    public synchronized Preconditioner gammaStar() {
        if (gammaStar == null) {
            DMatrixRMaj g = null;
            if (task.isLinearRegression()) {
                try {
                    g = PreconditionerTheory.optimal(task);
                } catch (IllegalArgumentException | IllegalStateException e) {
                    g = null; // the theory does not cover this task: fall back to Monte-Carlo
                }
            }
            if (g != null) {
                gammaStar = new Preconditioner(g, CLOSED_FORM);
            } else {
                int d = task.d();
                int batches = Math.max(2, Math.min(20, searchCount / (d * d)));
                gammaStar = new Preconditioner(PreconditionerTheory.monteCarloOptimal(searchPrompts(), batches).gamma(),
                        MONTE_CARLO);
            }
        }
        return gammaStar;
    }

    /** One preconditioned step with Γ*, named "PGD(Γ*)". */
    public synchronized GradientDescentOracle pgdStar() {
        return (GradientDescentOracle) instances.computeIfAbsent("pgd*",
                k -> GradientDescentOracle.preconditioned(gammaStar().gamma()).named("PGD(Γ*)"));
    }

    /** Minimum-norm per-prompt OLS. */
    public synchronized LeastSquaresOracle ols() {
        return (LeastSquaresOracle) instances.computeIfAbsent("ols", k -> LeastSquaresOracle.ols());
    }

    /** The ridge penalty λ used by {@link #ridge()}. */
    public synchronized double ridgeLambda() {
        if (ridgeLambda == null) {
            if (ridgeLambdaOverride != null) {
                ridgeLambda = ridgeLambdaOverride;
            } else if (task.isLinearRegression() && task.noise() > 0
                    && TaskConfig.PRIOR_ISOTROPIC.equals(task.weightPrior())) {
                ridgeLambda = task.noise() * task.noise();
            } else {
                // the task-optimal λ: fitted to the labels (log grid, then Brent on per-prompt spectra)
                org.descent.task.PromptSet search = searchPrompts().head(Math.min(searchCount, 5_000));
                ridgeLambda = org.descent.oracle.RidgeFitter.fit(search, search.targets()).lambda();
            }
        }
        return ridgeLambda;
    }

    /** Per-prompt ridge regression with {@link #ridgeLambda()}. */
    public synchronized LeastSquaresOracle ridge() {
        double l = ridgeLambda();
        return l == 0 ? ols() : (LeastSquaresOracle) instances.computeIfAbsent("ridge", k -> LeastSquaresOracle.ridge(l));
    }

    /** Averaging ŷ = x_q·h (one GD step with η = 1). */
    public synchronized QuerySensitivity averaging() {
        return instances.computeIfAbsent("averaging", k -> new AveragingOracle());
    }

    /** k-nearest neighbours within the prompt (k = 3, Garg et al.). */
    public synchronized QuerySensitivity nearestNeighbors() {
        return instances.computeIfAbsent("knn", k -> NearestNeighborsOracle.threeNearest());
    }

    /** K plain GD steps with step sizes fitted to the task on the search prompts (K ≥ 1). */
    public synchronized StepSizeFitter.Fit kStepGdFit(int steps) {
        return kStep.computeIfAbsent(steps, k -> StepSizeFitter.gd(searchPrompts().head(fitCount()), k));
    }

    /** The fitted K-step GD as an oracle, named "GD×K (task-optimal)". */
    public synchronized QuerySensitivity kStepGd(int steps) {
        StepSizeFitter.Fit f = kStepGdFit(steps);
        return instances.computeIfAbsent("gd-steps-" + steps,
                k -> GradientDescentOracle.steps(f.etas()).named("GD×" + steps + " (task-optimal)"));
    }

    /** K GD++ layers with parameters fitted to the task on the search prompts. */
    public synchronized StepSizeFitter.Fit gdPlusPlusFit(int layers) {
        return gdpp.computeIfAbsent(layers, k -> StepSizeFitter.gdPlusPlus(searchPrompts().head(fitCount()), k));
    }

    /** The fitted GD++ as an oracle. */
    public synchronized QuerySensitivity gdPlusPlus(int layers) {
        StepSizeFitter.Fit f = gdPlusPlusFit(layers);
        return instances.computeIfAbsent("gdpp-" + layers,
                k -> GdPlusPlusOracle.of(f.etas(), f.gammas()).named("GD++×" + layers + " (task-optimal)"));
    }

    private int fitCount() {
        return Math.min(searchCount, 2000);
    }

    /**
     * The standard set compared by alignment probes: GD(η*), PGD(Γ*), OLS, ridge, averaging, 3-NN (in this order).
     */
    public synchronized List<QuerySensitivity> standard() {
        List<QuerySensitivity> out = new ArrayList<>();
        out.add(gdStar());
        out.add(pgdStar());
        out.add(ols());
        LeastSquaresOracle r = ridge();
        if (ridgeLambda() > 0) {
            out.add(r);
        }
        out.add(averaging());
        out.add(nearestNeighbors());
        return out;
    }

    /** What the references were built from, for reports and manifests. */
    public synchronized Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("eta_star", etaStar().eta());
        m.put("eta_star_method", etaStar().method());
        m.put("gamma_star_method", gammaStar().method());
        m.put("gamma_star", Matrices.rows(gammaStar().gamma()));
        m.put("ridge_lambda", ridgeLambda());
        m.put("search_prompts", searchCount);
        return m;
    }
}
