package org.descent.oracle;

import org.apache.commons.math3.optim.MaxEval;
import org.apache.commons.math3.optim.nonlinear.scalar.GoalType;
import org.apache.commons.math3.optim.univariate.BrentOptimizer;
import org.apache.commons.math3.optim.univariate.SearchInterval;
import org.apache.commons.math3.optim.univariate.UnivariateObjectiveFunction;
import org.apache.commons.math3.optim.univariate.UnivariatePointValuePair;
import org.descent.task.PromptSet;
import org.descent.task.TaskConfig;

/**
 * The step size η* of the best single gradient-descent step, two ways.
 *
 * <p><b>Closed form</b> (isotropic x with {@code s = E[x_k²]}, {@code κ = E[x_k⁴]/s²}, w ~ N(0, I), noise σ):
 * {@code η* = N / (s (N + κ + d − 2) + σ²)}, with MSE {@code s d (1 − η* s) + σ²} (DESIGN §3).
 *
 * <p><b>Line search</b> (any sampler): Brent's method on the Monte-Carlo MSE of one GD step over a fixed prompt
 * set. Its standard error comes from batch means over {@value #BATCHES} disjoint batches.
 */
public final class OptimalStepSize {
    static final int BATCHES = 20;

    private OptimalStepSize() {}

    /** Result of a step-size search: the minimiser, its Monte-Carlo standard error, and the MSE there. */
    public record Estimate(double eta, double standardError, double mse) {}

    /** Whether the closed form applies: isotropic inputs, linear labels, w ~ N(0, I) (DESIGN §3). */
    public static boolean closedFormApplies(TaskConfig task) {
        return task.hasIsotropicInputs() && task.isLinearRegression();
    }

    /** η* in closed form; only for the isotropic linear tasks of DESIGN §3 (see {@link #closedFormApplies}). */
    public static double closedForm(TaskConfig task) {
        if (!closedFormApplies(task)) {
            throw new IllegalArgumentException("the closed-form η* needs isotropic inputs and linear labels; use the "
                    + "line search for this task");
        }
        TaskConfig.InputMoments m = task.inputMoments();
        double s = m.secondMoment();
        return task.n() / (s * (task.n() + m.kurtosis() + task.d() - 2) + task.noise() * task.noise());
    }

    /** The MSE of one GD step with the closed-form η*: {@code s d (1 − η* s) + σ²}. */
    public static double closedFormMse(TaskConfig task) {
        double s = task.inputMoments().secondMoment();
        double eta = closedForm(task);
        return s * task.d() * (1 - eta * s) + task.noise() * task.noise();
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
