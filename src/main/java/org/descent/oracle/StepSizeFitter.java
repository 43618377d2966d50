package org.descent.oracle;

import java.util.Arrays;
import java.util.function.ToDoubleFunction;
import org.hipparchus.optim.InitialGuess;
import org.hipparchus.optim.MaxEval;
import org.hipparchus.optim.PointValuePair;
import org.hipparchus.optim.SimpleBounds;
import org.hipparchus.optim.nonlinear.scalar.GoalType;
import org.hipparchus.optim.nonlinear.scalar.ObjectiveFunction;
import org.hipparchus.optim.nonlinear.scalar.noderiv.BOBYQAOptimizer;
import org.hipparchus.optim.univariate.BrentOptimizer;
import org.hipparchus.optim.univariate.SearchInterval;
import org.hipparchus.optim.univariate.UnivariateObjectiveFunction;
import org.hipparchus.optim.univariate.UnivariatePointValuePair;
import org.descent.model.LsaWeights;
import org.descent.regressor.QuerySensitivity;
import org.descent.task.PromptSet;
import org.ejml.data.DMatrixRMaj;

/**
 * Fits the per-layer parameters of multi-step algorithms (K-step GD: η_1..η_K; K-step PGD with a fixed Γ:
 * η_1..η_K; K-layer GD++: η_1..η_K and γ_1..γ_{K−1}) by minimising their Monte-Carlo MSE over a fixed prompt set:
 * BOBYQA (Hipparchus) within box bounds, Brent's method when there is one parameter.
 *
 * <p>Dimension glossary: {@code B} prompts, {@code N} context examples, {@code d} input dimension, {@code K} steps.
 *
 * <p>The loss is evaluated from per-prompt sufficient statistics ({@code C = XᵀX/N [d, d]}, {@code h = Xᵀy/N [d]},
 * {@code x_q [d]}, target), computed once: a GD++ layer maps them to {@code C ← M C M}, {@code h ← M (I − η C) h},
 * {@code x_q ← M x_q} with {@code M = I − γ C}, adding {@code η h·x_q} to ŷ (see {@link GdPlusPlusOracle}); plain GD is
 * γ = 0. The fitted parameters are checked against the explicit oracles in tests.
 *
 * <p>Parameters are optimised in units of {@code 1/ŝ}, {@code ŝ} the mean squared context input coordinate. Default
 * start: spread values, never a symmetric point — the K-step GD loss is invariant under permuting the η_k, so a start
 * with equal η_k sits on a symmetric ridge an optimiser need not leave. Defaults: η_k from 0.5η₀ to 1.5η₀ with
 * {@code η₀ = N / (ŝ (N + d + 1))} (the Gaussian one-step optimum), bounds {@code [0, 20/ŝ]}; γ_k from 0.02/ŝ upward,
 * bounds {@code [−2/ŝ, 2/ŝ]}. The last GD++ layer's γ does not affect predictions and is fixed at 0.
 */
public final class StepSizeFitter {
    private static final int MAX_EVALUATIONS = 20_000;
    private static final double ETA_UPPER = 20.0;
    private static final double GAMMA_BOUND = 2.0;

    private StepSizeFitter() {}

    /**
     * Fitted per-step parameters.
     *
     * @param algorithm {@code "GD"}, {@code "PGD"} or {@code "GD++"}
     * @param etas η_1..η_K
     * @param gammas γ_1..γ_K for GD++ (γ_K = 0), all zero otherwise
     * @param preconditioner Γ for PGD ({@code [d, d]}), null otherwise
     * @param mse the Monte-Carlo MSE at the fitted parameters on the fitting prompts
     * @param evaluations number of loss evaluations used
     */
    public record Fit(String algorithm, double[] etas, double[] gammas, DMatrixRMaj preconditioner, double mse,
            int evaluations) {
        public Fit {
            etas = etas.clone();
            gammas = gammas.clone();
            preconditioner = preconditioner == null ? null : preconditioner.copy();
        }

        @Override
        public double[] etas() {
            return etas.clone();
        }

        @Override
        public double[] gammas() {
            return gammas.clone();
        }

        @Override
        public DMatrixRMaj preconditioner() {
            return preconditioner == null ? null : preconditioner.copy();
        }

        /** Number of steps (layers) K. */
        public int steps() {
            return etas.length;
        }

        /** The explicit EJML oracle running the fitted algorithm. */
        public QuerySensitivity toOracle() {
            return switch (algorithm) {
                case "GD++" -> GdPlusPlusOracle.of(etas, gammas).named("fitted " + etas.length + "-layer GD++");
                case "PGD" -> GradientDescentOracle.preconditionedSteps(preconditioner, etas)
                        .named("fitted " + etas.length + "-step PGD");
                default -> GradientDescentOracle.steps(etas).named("fitted " + etas.length + "-step GD");
            };
        }

        /** The LSA weight construction of the fitted algorithm for inputs of dimension d. */
        public LsaWeights toConstruction(int d) {
            return switch (algorithm) {
                case "GD++" -> GdPlusPlusConstruction.weights(d, etas, gammas);
                case "PGD" -> PreconditionedGdConstruction.steps(preconditioner, etas);
                default -> MultiStepGdConstruction.weights(d, etas);
            };
        }

        @Override
        public String toString() {
            return algorithm + "[η=" + Arrays.toString(etas) + ", γ=" + Arrays.toString(gammas) + ", mse=" + mse + "]";
        }
    }

    /** K-step plain GD from the default spread start. */
    public static Fit gd(PromptSet prompts, int steps) {
        Statistics stats = Statistics.of(prompts);
        return fitGd(stats, stats.defaultEtas(checkSteps(steps)));
    }

    /** K-step plain GD from the given start η_1..η_K. */
    public static Fit gd(PromptSet prompts, double[] startEtas) {
        return fitGd(Statistics.of(prompts), startEtas);
    }

    /** K-step PGD with a fixed Γ ({@code [d, d]}), from the default spread start divided by Γ's mean diagonal. */
    public static Fit preconditionedGd(PromptSet prompts, DMatrixRMaj gamma, int steps) {
        Statistics stats = Statistics.of(prompts);
        double[] start = stats.defaultEtas(checkSteps(steps));
        double gammaScale = meanDiagonal(gamma);
        for (int i = 0; i < steps; i++) {
            start[i] /= gammaScale > 0 ? gammaScale : 1.0;
        }
        return fitPgd(stats, gamma, start);
    }

    /** K-step PGD with a fixed Γ from the given start η_1..η_K. */
    public static Fit preconditionedGd(PromptSet prompts, DMatrixRMaj gamma, double[] startEtas) {
        return fitPgd(Statistics.of(prompts), gamma, startEtas);
    }

    /**
     * K-layer GD++ from two starts, keeping the better fit: the default spread start, and the fitted K-step GD steps
     * with small spread γ (so the GD++ fit is never worse than the GD fit).
     */
    public static Fit gdPlusPlus(PromptSet prompts, int layers) {
        Statistics stats = Statistics.of(prompts);
        checkSteps(layers);
        double[] gammas = new double[layers];
        for (int i = 0; i + 1 < layers; i++) {
            gammas[i] = 0.02 * (i + 1) / stats.scale;
        }
        // BOBYQA can stop with "trust region step has failed to reduce Q" on badly scaled targets: a start that
        // fails is dropped and the other one kept; only when both fail is the fit an error.
        Fit fromDefault = null;
        RuntimeException failure = null;
        try {
            fromDefault = fitGdPlusPlus(stats, stats.defaultEtas(layers), gammas);
        } catch (RuntimeException e) {
            failure = e;
        }
        if (layers == 1) {
            if (fromDefault == null) {
                throw failure;
            }
            return fromDefault;
        }
        Fit fromGd = null;
        int gdEvaluations = 0;
        try {
            Fit gd = fitGd(stats, stats.defaultEtas(layers));
            gdEvaluations = gd.evaluations();
            fromGd = fitGdPlusPlus(stats, gd.etas(), gammas);
        } catch (RuntimeException e) {
            failure = failure == null ? e : failure;
        }
        if (fromDefault == null && fromGd == null) {
            throw failure;
        }
        Fit best = fromGd == null ? fromDefault : fromDefault == null || fromGd.mse() < fromDefault.mse() ? fromGd
                : fromDefault;
        return new Fit(best.algorithm(), best.etas(), best.gammas(), null, best.mse(),
                (fromDefault == null ? 0 : fromDefault.evaluations()) + gdEvaluations
                        + (fromGd == null ? 0 : fromGd.evaluations()));
    }

    /** K-layer GD++ from the given start (γ_K is ignored and fixed at 0). */
    public static Fit gdPlusPlus(PromptSet prompts, double[] startEtas, double[] startGammas) {
        return fitGdPlusPlus(Statistics.of(prompts), startEtas, startGammas);
    }

    private static Fit fitGd(Statistics stats, double[] startEtas) {
        int k = checkSteps(startEtas.length);
        double[] zeros = new double[k];
        Objective obj = new Objective(p -> stats.mse(unscaled(p, stats.scale), zeros, null));
        double[] best = minimise(obj, scaled(startEtas, stats.scale), lowerEtas(k), upperEtas(k));
        double[] etas = unscaled(best, stats.scale);
        return new Fit("GD", etas, zeros, null, stats.mse(etas, zeros, null), obj.count);
    }

    private static Fit fitPgd(Statistics stats, DMatrixRMaj gamma, double[] startEtas) {
        if (gamma.numRows != stats.d || gamma.numCols != stats.d) {
            throw new IllegalArgumentException("PGD fit: Γ is " + gamma.numRows + "x" + gamma.numCols
                    + " but prompts have d=" + stats.d);
        }
        int k = checkSteps(startEtas.length);
        double[] zeros = new double[k];
        double unit = stats.scale * Math.max(Math.abs(meanDiagonal(gamma)), 1e-12); // η in units of 1/(ŝ γ̄)
        Objective obj = new Objective(p -> stats.mse(unscaled(p, unit), zeros, gamma));
        double[] best = minimise(obj, scaled(startEtas, unit), lowerEtas(k), upperEtas(k));
        double[] etas = unscaled(best, unit);
        return new Fit("PGD", etas, zeros, gamma, stats.mse(etas, zeros, gamma), obj.count);
    }

    private static Fit fitGdPlusPlus(Statistics stats, double[] startEtas, double[] startGammas) {
        int k = checkSteps(startEtas.length);
        if (startGammas.length != k) {
            throw new IllegalArgumentException("GD++ fit: " + k + " η but " + startGammas.length + " γ");
        }
        int dim = 2 * k - 1;
        double[] start = new double[dim];
        double[] lower = new double[dim];
        double[] upper = new double[dim];
        for (int i = 0; i < k; i++) {
            start[i] = startEtas[i] * stats.scale;
            upper[i] = ETA_UPPER;
        }
        for (int i = 0; i + 1 < k; i++) {
            start[k + i] = startGammas[i] * stats.scale;
            lower[k + i] = -GAMMA_BOUND;
            upper[k + i] = GAMMA_BOUND;
        }
        ToDoubleFunction<double[]> objective = p -> {
            double[][] eg = splitGdPlusPlus(p, k, stats.scale);
            return stats.mse(eg[0], eg[1], null);
        };
        Objective obj = new Objective(objective);
        double[][] best = splitGdPlusPlus(minimise(obj, start, lower, upper), k, stats.scale);
        return new Fit("GD++", best[0], best[1], null, stats.mse(best[0], best[1], null), obj.count);
    }

    /** Scaled GD++ parameters {@code [η_1..η_K, γ_1..γ_{K−1}]} to {@code {η [K], γ [K]}} with γ_K = 0. */
    private static double[][] splitGdPlusPlus(double[] p, int k, double scale) {
        double[] etas = new double[k];
        double[] gammas = new double[k];
        for (int i = 0; i < k; i++) {
            etas[i] = p[i] / scale;
        }
        for (int i = 0; i + 1 < k; i++) {
            gammas[i] = p[k + i] / scale;
        }
        return new double[][] {etas, gammas};
    }

    private static double meanDiagonal(DMatrixRMaj m) {
        double trace = 0;
        for (int i = 0; i < Math.min(m.numRows, m.numCols); i++) {
            trace += m.get(i, i);
        }
        return trace / Math.max(1, Math.min(m.numRows, m.numCols));
    }

    /**
     * The Monte-Carlo MSE of K GD++ layers (γ = 0: K-step GD) on {@code prompts}, from sufficient statistics; the
     * same number as the MSE of {@link GdPlusPlusOracle} up to rounding. For many evaluations on the same prompts use
     * {@link #lossSurface(PromptSet)}.
     */
    public static double mse(PromptSet prompts, double[] etas, double[] gammas) {
        return lossSurface(prompts).mse(etas, gammas);
    }

    /** The MSE of K-layer GD / GD++ / PGD as a function of the per-layer parameters on fixed prompts. */
    public static LossSurface lossSurface(PromptSet prompts) {
        return new LossSurface(Statistics.of(prompts));
    }

    /**
     * The Monte-Carlo MSE on one prompt set as a function of per-layer parameters; the per-prompt statistics are
     * computed once, so each evaluation costs O(B·K·d) (GD, GD++) or O(B·K·d²) (PGD).
     */
    public static final class LossSurface {
        private final Statistics stats;

        private LossSurface(Statistics stats) {
            this.stats = stats;
        }

        /** MSE of K GD++ layers (η_k, γ_k); all γ = 0 is K-step GD. */
        public double mse(double[] etas, double[] gammas) {
            GdPlusPlusOracle.checkParameters(etas, gammas);
            return stats.mse(etas, gammas, null);
        }

        /** MSE of K-step PGD with preconditioner Γ {@code [d, d]} and steps η_k. */
        public double msePreconditioned(double[] etas, DMatrixRMaj gamma) {
            if (gamma.numRows != stats.d || gamma.numCols != stats.d) {
                throw new IllegalArgumentException("PGD loss: Γ is " + gamma.numRows + "x" + gamma.numCols
                        + " but prompts have d=" + stats.d);
            }
            GdPlusPlusOracle.checkParameters(etas, new double[etas.length]);
            return stats.mse(etas, new double[etas.length], gamma);
        }

        /** The mean squared context input coordinate ŝ (the fitter's parameter unit is 1/ŝ). */
        public double inputScale() {
            return stats.scale;
        }
    }

    // ---- optimisation ----

    private static int checkSteps(int k) {
        if (k <= 0) {
            throw new IllegalArgumentException("step-size fit: at least one step is required, got " + k);
        }
        return k;
    }

    private static double[] scaled(double[] v, double unit) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i] * unit;
        }
        return out;
    }

    private static double[] unscaled(double[] v, double unit) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i] / unit;
        }
        return out;
    }

    private static double[] lowerEtas(int k) {
        return new double[k];
    }

    private static double[] upperEtas(int k) {
        double[] u = new double[k];
        Arrays.fill(u, ETA_UPPER);
        return u;
    }

    /** A counting objective in scaled units. */
    private static final class Objective {
        private final ToDoubleFunction<double[]> f;
        private int count;

        Objective(ToDoubleFunction<double[]> f) {
            this.f = f;
        }

        double value(double[] p) {
            count++;
            double v = f.applyAsDouble(p);
            return Double.isFinite(v) ? v : Double.MAX_VALUE;
        }
    }

    private static double[] minimise(Objective obj, double[] start, double[] lower, double[] upper) {
        for (int i = 0; i < start.length; i++) {
            if (!(start[i] >= lower[i] && start[i] <= upper[i])) {
                throw new IllegalArgumentException("step-size fit: start value " + start[i] + " (scaled) is outside ["
                        + lower[i] + ", " + upper[i] + "]");
            }
        }
        if (start.length == 1) {
            BrentOptimizer brent = new BrentOptimizer(1e-12, 1e-14);
            UnivariatePointValuePair p = brent.optimize(new MaxEval(MAX_EVALUATIONS), GoalType.MINIMIZE,
                    new SearchInterval(lower[0], upper[0], start[0]),
                    new UnivariateObjectiveFunction(x -> obj.value(new double[] {x})));
            return new double[] {p.getPoint()};
        }
        double[] point = start.clone();
        double radius = 0.1;
        // A second pass from the first optimum with a smaller trust region polishes the minimiser.
        for (int pass = 0; pass < 2; pass++) {
            BOBYQAOptimizer bobyqa = new BOBYQAOptimizer(2 * start.length + 1, radius, 1e-10);
            PointValuePair p = bobyqa.optimize(new MaxEval(MAX_EVALUATIONS), new ObjectiveFunction(obj::value),
                    GoalType.MINIMIZE, new InitialGuess(clamp(point, lower, upper)),
                    new SimpleBounds(lower, upper));
            point = p.getPoint();
            radius = 0.01;
        }
        return point;
    }

    /** {@code p} clamped into the bounds (guards against round-off at a bound between passes). */
    private static double[] clamp(double[] p, double[] lower, double[] upper) {
        double[] out = p.clone();
        for (int i = 0; i < p.length; i++) {
            out[i] = Math.min(Math.max(p[i], lower[i]), upper[i]);
        }
        return out;
    }

    // ---- sufficient statistics ----

    /**
     * Per-prompt sufficient statistics. For GD and GD++ every matrix a layer forms is a polynomial in the prompt's
     * initial {@code C} ({@code M = I − γC} commutes with C, {@code C ← M C M = C M²}), so in C's eigenbasis
     * ({@code C = U diag(λ) Uᵀ}) a layer acts coordinate-wise on {@code λ}, {@code h̃ = Uᵀh}, {@code q̃ = Uᵀx_q}:
     * {@code ŷ += η h̃·q̃}, {@code m = 1 − γλ}, {@code h̃ ← m (1 − ηλ) h̃}, {@code q̃ ← m q̃}, {@code λ ← m² λ}, O(d) per
     * layer. PGD with a general Γ uses the raw {@code C [d, d]}, {@code h [d]}, {@code x_q [d]}.
     */
    private static final class Statistics {
        final int size;
        final int d;
        final int n;
        final double[] c; // [B, d, d]
        final double[] h; // [B, d]
        final double[] xq; // [B, d]
        final double[] lambda; // [B, d] eigenvalues of C
        final double[] hRot; // [B, d] Uᵀ h
        final double[] qRot; // [B, d] Uᵀ x_q
        final double[] y; // [B]
        final double scale;

        private Statistics(PromptSet prompts) {
            size = prompts.size();
            d = prompts.d();
            n = prompts.n();
            c = new double[size * d * d];
            h = new double[size * d];
            xq = new double[size * d];
            lambda = new double[size * d];
            hRot = new double[size * d];
            qRot = new double[size * d];
            y = prompts.targets();
            double sq = 0;
            org.ejml.interfaces.decomposition.EigenDecomposition_F64<DMatrixRMaj> eig =
                    org.ejml.dense.row.factory.DecompositionFactory_DDRM.eig(d, true, true);
            DMatrixRMaj cb = new DMatrixRMaj(d, d);
            for (int b = 0; b < size; b++) {
                for (int i = 0; i < n; i++) {
                    double yi = prompts.y(b, i);
                    for (int a = 0; a < d; a++) {
                        double xa = prompts.x(b, i, a);
                        sq += xa * xa;
                        h[b * d + a] += yi * xa / n;
                        for (int e = 0; e < d; e++) {
                            c[(b * d + a) * d + e] += xa * prompts.x(b, i, e) / n;
                        }
                    }
                }
                for (int a = 0; a < d; a++) {
                    xq[b * d + a] = prompts.xq(b, a);
                }
                System.arraycopy(c, b * d * d, cb.data, 0, d * d);
                if (!eig.decompose(cb)) {
                    throw new IllegalStateException("step-size fit: eigen-decomposition failed on prompt " + b);
                }
                for (int k = 0; k < d; k++) {
                    lambda[b * d + k] = eig.getEigenvalue(k).getReal();
                    DMatrixRMaj u = eig.getEigenVector(k);
                    double hk = 0;
                    double qk = 0;
                    for (int a = 0; a < d; a++) {
                        hk += u.get(a) * h[b * d + a];
                        qk += u.get(a) * xq[b * d + a];
                    }
                    hRot[b * d + k] = hk;
                    qRot[b * d + k] = qk;
                }
            }
            double s = sq / ((double) size * n * d);
            scale = s > 0 ? s : 1.0;
        }

        static Statistics of(PromptSet prompts) {
            if (prompts.size() < 1) {
                throw new IllegalArgumentException("step-size fit: no prompts");
            }
            return new Statistics(prompts);
        }

        /** η₀ spread over [0.5, 1.5] η₀ (a single step starts at η₀). */
        double[] defaultEtas(int k) {
            double eta0 = n / (scale * (n + d + 1.0));
            double[] out = new double[k];
            for (int i = 0; i < k; i++) {
                out[i] = k == 1 ? eta0 : eta0 * (0.5 + (double) i / (k - 1));
            }
            return out;
        }

        /** MSE of GD++ (etas, gammas), or of K-step PGD with Γ when {@code pre} is non-null (gammas then 0). */
        double mse(double[] etas, double[] gammas, DMatrixRMaj pre) {
            return pre == null ? mseEigen(etas, gammas) : msePreconditioned(etas, pre);
        }

        private double mseEigen(double[] etas, double[] gammas) {
            int k = etas.length;
            double[] l = new double[d];
            double[] g = new double[d];
            double[] q = new double[d];
            double total = 0;
            for (int b = 0; b < size; b++) {
                System.arraycopy(lambda, b * d, l, 0, d);
                System.arraycopy(hRot, b * d, g, 0, d);
                System.arraycopy(qRot, b * d, q, 0, d);
                double pred = 0;
                for (int layer = 0; layer < k; layer++) {
                    double eta = etas[layer];
                    double dot = 0;
                    for (int a = 0; a < d; a++) {
                        dot += g[a] * q[a];
                    }
                    pred += eta * dot;
                    if (layer == k - 1) {
                        break;
                    }
                    double gamma = gammas[layer];
                    for (int a = 0; a < d; a++) {
                        double m = 1 - gamma * l[a];
                        g[a] *= m * (1 - eta * l[a]);
                        q[a] *= m;
                        l[a] *= m * m;
                    }
                }
                double r = pred - y[b];
                total += r * r;
            }
            return total / size;
        }

        /** K-step PGD: {@code w_k = w_{k−1} + η_k Γ g_k}, {@code g_{k+1} = g_k − η_k C Γ g_k}, {@code g_1 = h}. */
        private double msePreconditioned(double[] etas, DMatrixRMaj pre) {
            int k = etas.length;
            double[] g = new double[d];
            double[] pg = new double[d];
            double total = 0;
            for (int b = 0; b < size; b++) {
                System.arraycopy(h, b * d, g, 0, d);
                double pred = 0;
                for (int layer = 0; layer < k; layer++) {
                    double eta = etas[layer];
                    for (int a = 0; a < d; a++) {
                        double s = 0;
                        for (int e = 0; e < d; e++) {
                            s += pre.get(a, e) * g[e];
                        }
                        pg[a] = s;
                    }
                    double dot = 0;
                    for (int a = 0; a < d; a++) {
                        dot += pg[a] * xq[b * d + a];
                    }
                    pred += eta * dot;
                    if (layer == k - 1) {
                        break;
                    }
                    for (int a = 0; a < d; a++) {
                        double s = 0;
                        for (int e = 0; e < d; e++) {
                            s += c[(b * d + a) * d + e] * pg[e];
                        }
                        g[a] -= eta * s;
                    }
                }
                double r = pred - y[b];
                total += r * r;
            }
            return total / size;
        }
    }
}
