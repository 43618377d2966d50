package org.descent.oracle;

import java.util.function.Supplier;
import org.hipparchus.optim.MaxEval;
import org.hipparchus.optim.nonlinear.scalar.GoalType;
import org.hipparchus.optim.univariate.BrentOptimizer;
import org.hipparchus.optim.univariate.SearchInterval;
import org.hipparchus.optim.univariate.UnivariateObjectiveFunction;
import org.hipparchus.optim.univariate.UnivariatePointValuePair;
import org.descent.task.PromptSet;
import org.descent.task.TaskConfig;

/**
 * The step size η* of the best single gradient-descent step, two ways, and the one rule that picks between them.
 *
 * <p><b>Closed form</b> (isotropic x with {@code s = E[x_k²]}, {@code κ = E[x_k⁴]/s²}, independent coordinates,
 * w ~ N(0, ωI), noise σ): the MSE of {@code ŷ = η x_q·h} is
 * {@code L(η) = η² s d g − 2η s² ω d + s ω d + σ²} with {@code g = (s² ω (N + κ + d − 2) + σ² s) / N} (the scalar of
 * {@code E[h hᵀ] = g I}), minimised by
 * <b>{@code η* = N / (s (N + κ + d − 2) + σ²/ω)}</b> with {@code L(η*) = s ω d (1 − η* s) + σ²}. The weight prior
 * enters through ω: 1 for {@code "isotropic"} (w ~ N(0, I)), 1/s for {@code "inverse-covariance"} (w ~ N(0, Σ⁻¹) with
 * Σ = sI). It is {@link PreconditionerTheory}'s Γ* = η* I for these tasks.
 *
 * <p><b>Line search</b> (any sampler): Brent's method on the Monte-Carlo MSE of one GD step over a fixed prompt
 * set. Its standard error comes from batch means over {@value #BATCHES} disjoint batches.
 *
 * <p><b>Which</b>: {@link #closedFormApplies} is the single decision, used by every path (verify, the presets, the
 * probes' reference algorithms) through {@link #choose}: the closed form where it applies, the line search
 * everywhere else.
 */
public final class OptimalStepSize {
    static final int BATCHES = 20;
    /** Which method produced η*. */
    public static final String CLOSED_FORM = "closed form";
    /** Monte-Carlo line search. */
    public static final String LINE_SEARCH = "line search";

    private OptimalStepSize() {}

    /** Result of a step-size search: the minimiser, its Monte-Carlo standard error, and the MSE there. */
    public record Estimate(double eta, double standardError, double mse) {}

    /**
     * η* with how it was obtained.
     *
     * @param eta the step size
     * @param method {@link #CLOSED_FORM} or {@link #LINE_SEARCH}
     * @param standardError Monte-Carlo standard error (0 for the closed form)
     */
    public record Choice(double eta, String method, double standardError) {}

    /**
     * Whether the closed form applies: linear labels (family linear, identity response), isotropic inputs with
     * independent coordinates (uniform or Gaussian, no covariance), and an isotropic Gaussian weight prior
     * w ~ N(0, ωI) (the {@code "isotropic"} prior, or {@code "inverse-covariance"}, which is isotropic when Σ = sI).
     * Any other task has no closed form here.
     */
    public static boolean closedFormApplies(TaskConfig task) {
        return task.isLinearRegression() && task.hasIsotropicInputs()
                && (TaskConfig.PRIOR_ISOTROPIC.equals(task.weightPrior())
                        || TaskConfig.PRIOR_INVERSE_COVARIANCE.equals(task.weightPrior()));
    }

    /** η*: the closed form where {@link #closedFormApplies}, else the line search on {@code searchPrompts}. */
    public static Choice choose(TaskConfig task, Supplier<PromptSet> searchPrompts) {
        if (closedFormApplies(task)) {
            return new Choice(closedForm(task), CLOSED_FORM, 0);
        }
        Estimate e = lineSearch(searchPrompts.get());
        return new Choice(e.eta(), LINE_SEARCH, e.standardError());
    }

    /** ω of the weight prior w ~ N(0, ωI) of a task the closed form covers: 1, or 1/s for inverse-covariance. */
    public static double weightVariance(TaskConfig task) {
        requireClosedForm(task);
        return TaskConfig.PRIOR_INVERSE_COVARIANCE.equals(task.weightPrior())
                ? 1.0 / task.inputMoments().secondMoment() : 1.0;
    }

    /** η* = N / (s (N + κ + d − 2) + σ²/ω); only where {@link #closedFormApplies}. */
    public static double closedForm(TaskConfig task) {
        requireClosedForm(task);
        TaskConfig.InputMoments m = task.inputMoments();
        double s = m.secondMoment();
        double sigma2 = task.noise() * task.noise();
        return task.n() / (s * (task.n() + m.kurtosis() + task.d() - 2) + sigma2 / weightVariance(task));
    }

    /** The MSE of one GD step with the closed-form η*: {@code s ω d (1 − η* s) + σ²}. */
    public static double closedFormMse(TaskConfig task) {
        double s = task.inputMoments().secondMoment();
        return s * weightVariance(task) * task.d() * (1 - closedForm(task) * s) + task.noise() * task.noise();
    }

    /** The exact MSE of one GD step with any η: {@code η² s d g − 2η s² ω d + s ω d + σ²} (see the class notes). */
    public static double closedFormMse(TaskConfig task, double eta) {
        requireClosedForm(task);
        TaskConfig.InputMoments m = task.inputMoments();
        double s = m.secondMoment();
        double omega = weightVariance(task);
        int d = task.d();
        double sigma2 = task.noise() * task.noise();
        double g = (s * s * omega * (task.n() + m.kurtosis() + d - 2) + sigma2 * s) / task.n();
        return eta * eta * s * d * g - 2 * eta * s * s * omega * d + s * omega * d + sigma2;
    }

    private static void requireClosedForm(TaskConfig task) {
        if (!closedFormApplies(task)) {
            throw new IllegalArgumentException("the closed-form η* needs linear labels, isotropic inputs and an "
                    + "isotropic Gaussian weight prior; use the line search for this task");
        }
    }

    /**
     * Minimises the MSE of one GD step over {@code prompts} with Brent's method on {@code [0, upper]}.
     *
     * @param prompts Monte-Carlo prompts of the task (ideally 10⁵ or more)
     * @return the minimiser with its batch-means standard error and the MSE at it
     */
    public static Estimate lineSearch(PromptSet prompts) {
        if (prompts.size() < BATCHES * 10) {
            throw new IllegalArgumentException("line search needs at least " + BATCHES * 10 + " prompts, got "
                    + prompts.size());
        }
        double[] a = GradientDescentOracle.oneStep(1.0).predict(prompts); // x_q·h: the prediction at η = 1
        double[] y = prompts.targets();
        double upper = 4.0 * upperBound(a, y, 0, a.length);
        UnivariatePointValuePair all = minimise(a, y, 0, a.length, upper);
        int per = a.length / BATCHES;
        double sum = 0;
        double sumSq = 0;
        for (int k = 0; k < BATCHES; k++) {
            double eta = minimise(a, y, k * per, (k + 1) * per, upper).getPoint();
            sum += eta;
            sumSq += eta * eta;
        }
        double mean = sum / BATCHES;
        double var = (sumSq - BATCHES * mean * mean) / (BATCHES - 1);
        return new Estimate(all.getPoint(), Math.sqrt(Math.max(var, 0) / BATCHES), all.getValue());
    }

    /** A scale for the bracket: the least-squares ratio Σ a y / Σ a², made positive. */
    private static double upperBound(double[] a, double[] y, int from, int to) {
        double ay = 0;
        double aa = 0;
        for (int i = from; i < to; i++) {
            ay += a[i] * y[i];
            aa += a[i] * a[i];
        }
        return Math.max(Math.abs(ay / aa), 1e-6);
    }

    private static UnivariatePointValuePair minimise(double[] a, double[] y, int from, int to, double upper) {
        BrentOptimizer brent = new BrentOptimizer(1e-12, 1e-14);
        return brent.optimize(new MaxEval(10_000), GoalType.MINIMIZE, new SearchInterval(0, upper),
                new UnivariateObjectiveFunction(eta -> {
                    double s = 0;
                    for (int i = from; i < to; i++) {
                        double r = eta * a[i] - y[i];
                        s += r * r;
                    }
                    return s / (to - from);
                }));
    }
}
