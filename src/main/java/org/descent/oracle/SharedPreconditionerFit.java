package org.descent.oracle;

import java.util.Arrays;
import java.util.List;
import org.descent.model.LsaWeights;
import org.descent.regressor.QuerySensitivity;
import org.descent.task.PromptSet;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.LinearSolverFactory_DDRM;
import org.ejml.interfaces.linsol.LinearSolverDense;

/**
 * Fits L-step preconditioned GD with <b>one shared preconditioner</b> Γ (all d² entries free, step size folded into
 * Γ) to responses on a prompt set: the algorithm a weight-tied (looped) LSA implements when it is PGD (Gatmiry et al.
 * 2024). Fitting the task's targets gives the Monte-Carlo optimal shared Γ for L steps; fitting a model's predictions
 * gives its behavioural shared-Γ fit.
 *
 * <p>Dimension glossary: {@code B} prompts, {@code d} input dimension, {@code L} steps, {@code C = XᵀX/N [d, d]},
 * {@code h = Xᵀy/N [d]}, {@code x_q [d]}, parameters Γ row-major {@code [d²]}.
 *
 * <p>From {@code w₀ = 0}: {@code g_k = h − C w_k}, {@code w_{k+1} = w_k + Γ g_k} (k = 0..L−1), {@code ŷ = x_q·w_L}:
 * the same function as {@link GradientDescentOracle#preconditionedSteps} with all η = 1. Least squares by
 * Levenberg–Marquardt (Marquardt-scaled damping) with the exact Jacobian from the adjoint recursion
 * {@code λ_L = x_q}, {@code λ_k = (I − ΓC)ᵀ λ_{k+1}}, {@code ∂ŷ/∂Γ = Σ_k λ_{k+1} g_kᵀ}. The loss is a polynomial of
 * degree 2L in Γ and not convex: every start given is run and the best fit kept.
 */
public final class SharedPreconditionerFit {
    private static final int MAX_ITERATIONS = 200;

    private SharedPreconditionerFit() {}

    /**
     * A fitted shared preconditioner.
     *
     * @param gamma Γ {@code [d, d]}, used with step size 1 in every step
     * @param steps L
     * @param mse mean squared residual on the fitting prompts
     * @param prompts number of fitting prompts
     * @param iterations Levenberg–Marquardt iterations (all starts)
     */
    public record Fit(DMatrixRMaj gamma, int steps, double mse, int prompts, int iterations) {
        public Fit {
            gamma = gamma.copy();
        }

        @Override
        public DMatrixRMaj gamma() {
            return gamma.copy();
        }

        /** The EJML oracle of the fitted algorithm run for its own L steps. */
        public QuerySensitivity toOracle() {
            return toOracle(steps);
        }

        /** The EJML oracle of {@code k} PGD steps with the fitted Γ (k ≠ L: the algorithm run longer or shorter). */
        public GradientDescentOracle toOracle(int k) {
            return oracle(gamma, k);
        }

        /** The looped (weight-tied) LSA construction of the fitted algorithm with {@code loops} loops. */
        public LsaWeights toConstruction(int loops) {
            return PreconditionedGdConstruction.looped(gamma, 1.0, loops);
        }
    }

    /** {@code k}-step PGD with shared Γ and unit steps as an EJML oracle. */
    public static GradientDescentOracle oracle(DMatrixRMaj gamma, int k) {
        if (k <= 0) {
            throw new IllegalArgumentException("shared-Γ PGD: at least one step is required, got " + k);
        }
        double[] ones = new double[k];
        Arrays.fill(ones, 1.0);
        return GradientDescentOracle.preconditionedSteps(gamma, ones).named("shared-Γ " + k + "-step PGD");
    }

    /**
     * Fits Γ of L-step PGD to {@code responses [B]} on {@code prompts}, from each start in turn, keeping the fit with
     * the smallest residual. With no start given, starts from the one-step feature fit ({@link PgdFeatureRegression})
     * divided by L.
     */
    public static Fit fit(PromptSet prompts, double[] responses, int steps, List<DMatrixRMaj> starts) {
        if (steps <= 0) {
            throw new IllegalArgumentException("shared-Γ PGD fit: at least one step is required, got " + steps);
        }
        if (responses.length != prompts.size() || prompts.size() == 0) {
            throw new IllegalArgumentException("shared-Γ PGD fit: " + responses.length + " responses for "
                    + prompts.size() + " prompts");
        }
        Stats s = new Stats(prompts);
        List<DMatrixRMaj> from = starts;
        if (from.isEmpty()) {
            DMatrixRMaj g = PgdFeatureRegression.fit(prompts, responses).gamma();
            CommonOps_DDRM.scale(1.0 / steps, g);
            from = List.of(g);
        }
        Fit best = null;
        int iterations = 0;
        for (DMatrixRMaj start : from) {
            if (start.numRows != s.d || start.numCols != s.d) {
                throw new IllegalArgumentException("shared-Γ PGD fit: start is " + start.numRows + "x"
                        + start.numCols + " but prompts have d=" + s.d);
            }
            double[][] out = levenbergMarquardt(s, responses, steps, start.getData().clone());
            iterations += (int) out[1][1];
            if (best == null || out[1][0] < best.mse()) {
                best = new Fit(DMatrixRMaj.wrap(s.d, s.d, out[0]), steps, out[1][0], prompts.size(), 0);
            }
        }
        return new Fit(best.gamma(), steps, best.mse(), prompts.size(), iterations);
    }

    /** {@code ŷ [B]} of L-step shared-Γ PGD (the same numbers as {@link #oracle}, from sufficient statistics). */
    public static double[] predict(PromptSet prompts, DMatrixRMaj gamma, int steps) {
        Stats s = new Stats(prompts);
        double[] out = new double[s.size];
        for (int b = 0; b < s.size; b++) {
            out[b] = s.forward(b, gamma.getData(), steps, null);
        }
        return out;
    }

    /** Returns {@code {Γ [d²], {mse, iterations}}}. */
    private static double[][] levenbergMarquardt(Stats s, double[] r, int steps, double[] p) {
        int np = s.d * s.d;
        DMatrixRMaj jtj = new DMatrixRMaj(np, np);
        DMatrixRMaj jtr = new DMatrixRMaj(np, 1);
        double cost = s.normalEquations(p, r, steps, jtj, jtr);
        double mu = 1e-3;
        int it = 0;
        LinearSolverDense<DMatrixRMaj> solver = LinearSolverFactory_DDRM.symmPosDef(np);
        DMatrixRMaj a = new DMatrixRMaj(np, np);
        DMatrixRMaj delta = new DMatrixRMaj(np, 1);
        DMatrixRMaj jtjTry = new DMatrixRMaj(np, np);
        DMatrixRMaj jtrTry = new DMatrixRMaj(np, 1);
        while (it < MAX_ITERATIONS) {
            it++;
            a.setTo(jtj);
            for (int i = 0; i < np; i++) {
                a.add(i, i, mu * Math.max(jtj.get(i, i), 1e-300));
            }
            boolean ok = solver.setA(a);
            if (ok) {
                DMatrixRMaj rhs = jtr.copy();
                CommonOps_DDRM.scale(-1, rhs);
                solver.solve(rhs, delta);
                for (double v : delta.data) {
                    ok &= Double.isFinite(v);
                }
            }
            if (!ok) {
                mu *= 10;
                if (mu > 1e12) {
                    break;
                }
                continue;
            }
            double[] q = p.clone();
            for (int i = 0; i < np; i++) {
                q[i] += delta.data[i];
            }
            double next = s.normalEquations(q, r, steps, jtjTry, jtrTry);
            if (next < cost) {
                double gain = cost - next;
                p = q;
                jtj.setTo(jtjTry);
                jtr.setTo(jtrTry);
                cost = next;
                mu = Math.max(mu / 3, 1e-12);
                if (gain <= 1e-13 * cost) {
                    break;
                }
            } else {
                mu *= 4;
                if (mu > 1e12) {
                    break;
                }
            }
        }
        return new double[][] {p, {cost / s.size, it}};
    }

    /** Per-prompt sufficient statistics C, h, x_q. */
    private static final class Stats {
        final int size;
        final int d;
        final double[] c; // [B, d, d]
        final double[] h; // [B, d]
        final double[] xq; // [B, d]

        Stats(PromptSet prompts) {
            size = prompts.size();
            d = prompts.d();
            int n = prompts.n();
            c = new double[size * d * d];
            h = new double[size * d];
            xq = new double[size * d];
            for (int b = 0; b < size; b++) {
                for (int i = 0; i < n; i++) {
                    double yi = prompts.y(b, i);
                    for (int a = 0; a < d; a++) {
                        double xa = prompts.x(b, i, a);
                        h[b * d + a] += yi * xa / n;
                        for (int e = 0; e < d; e++) {
                            c[(b * d + a) * d + e] += xa * prompts.x(b, i, e) / n;
                        }
                    }
                }
                for (int a = 0; a < d; a++) {
                    xq[b * d + a] = prompts.xq(b, a);
                }
            }
        }

        /** ŷ of prompt b; when {@code gs} is non-null it receives g_0..g_{L−1} ({@code [L, d]}). */
        double forward(int b, double[] gamma, int steps, double[] gs) {
            double[] w = new double[d];
            double[] g = new double[d];
            for (int k = 0; k < steps; k++) {
                for (int a = 0; a < d; a++) {
                    double cw = 0;
                    for (int e = 0; e < d; e++) {
                        cw += c[(b * d + a) * d + e] * w[e];
                    }
                    g[a] = h[b * d + a] - cw;
                }
                if (gs != null) {
                    System.arraycopy(g, 0, gs, k * d, d);
                }
                for (int a = 0; a < d; a++) {
                    double s = 0;
                    for (int e = 0; e < d; e++) {
                        s += gamma[a * d + e] * g[e];
                    }
                    w[a] += s;
                }
            }
            double y = 0;
            for (int a = 0; a < d; a++) {
                y += xq[b * d + a] * w[a];
            }
            return y;
        }

        /** Fills JᵀJ and Jᵀres (res = ŷ − r) at Γ = p; returns Σ res². */
        double normalEquations(double[] p, double[] r, int steps, DMatrixRMaj jtj, DMatrixRMaj jtr) {
            int np = d * d;
            jtj.zero();
            jtr.zero();
            double[] gs = new double[steps * d];
            double[] lambda = new double[d];
            double[] gl = new double[d];
            double[] row = new double[np];
            double cost = 0;
            DMatrixRMaj rowM = DMatrixRMaj.wrap(1, np, row);
            int chunk = 256;
            DMatrixRMaj jac = new DMatrixRMaj(chunk, np);
            int filled = 0;
            for (int b = 0; b < size; b++) {
                double res = forward(b, p, steps, gs) - r[b];
                cost += res * res;
                Arrays.fill(row, 0);
                System.arraycopy(xq, b * d, lambda, 0, d); // λ_L
                for (int k = steps - 1; k >= 0; k--) {
                    for (int a = 0; a < d; a++) {
                        for (int e = 0; e < d; e++) {
                            row[a * d + e] += lambda[a] * gs[k * d + e];
                        }
                    }
                    if (k == 0) {
                        break;
                    }
                    // λ_k = λ_{k+1} − C Γᵀ λ_{k+1}
                    for (int e = 0; e < d; e++) {
                        double s = 0;
                        for (int a = 0; a < d; a++) {
                            s += p[a * d + e] * lambda[a];
                        }
                        gl[e] = s;
                    }
                    for (int a = 0; a < d; a++) {
                        double s = 0;
                        for (int e = 0; e < d; e++) {
                            s += c[(b * d + a) * d + e] * gl[e];
                        }
                        lambda[a] -= s;
                    }
                }
                for (int i = 0; i < np; i++) {
                    jtr.data[i] += row[i] * res;
                }
                System.arraycopy(row, 0, jac.data, filled * np, np);
                filled++;
                if (filled == chunk || b == size - 1) {
                    DMatrixRMaj part = filled == chunk ? jac : CommonOps_DDRM.extract(jac, 0, filled, 0, np);
                    CommonOps_DDRM.multAddTransA(part, part, jtj);
                    filled = 0;
                }
            }
            return Double.isFinite(cost) ? cost : Double.MAX_VALUE;
        }
    }
}
