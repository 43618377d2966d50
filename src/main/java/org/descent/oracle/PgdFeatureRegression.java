package org.descent.oracle;

import org.descent.task.PromptSet;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.LinearSolverFactory_DDRM;
import org.ejml.interfaces.linsol.LinearSolverDense;

/**
 * Least-squares fit of a response on the {@code d²} features {@code x_q ⊗ h}, the features of one preconditioned GD
 * step: {@code x_qᵀ Γ h = Σ_{a,b} Γ[a, b] x_q[a] h[b]}. Fitting the task's targets gives the Monte-Carlo optimal
 * one-step preconditioner ({@link PreconditionerTheory#monteCarloOptimal}); fitting any model's predictions gives
 * its behavioural PGD fit ({@code org.descent.compare.AlgorithmDistances#pgdFit}).
 *
 * <p>Dimension glossary: {@code B} prompts, {@code d} input dimension, {@code h = Σ_i y_i x_i / N [d]},
 * feature vector {@code φ [d²]} with {@code φ[a d + b] = x_q[a] h[b]}, coefficients = Γ row-major.
 *
 * <p>Normal equations are accumulated chunk by chunk ({@link Accumulator}), so prompt sets of any size can be
 * streamed through in bounded memory; the R² comes from an exact second pass over the residuals. No intercept (a
 * PGD step has none); R² is the usual centred one, {@code 1 − Σ(r − f)² / Σ(r − r̄)²}.
 */
public final class PgdFeatureRegression {
    private static final int CHUNK = 2048;

    private PgdFeatureRegression() {}

    /**
     * A fitted preconditioner.
     *
     * @param gamma Γ, {@code [d, d]}
     * @param rSquared coefficient of determination of the fit (NaN when the responses are constant)
     * @param residualMse mean squared residual {@code mean((r − x_qᵀΓh)²)}
     * @param prompts number of prompts fitted
     */
    public record Fit(DMatrixRMaj gamma, double rSquared, double residualMse, int prompts) {
        public Fit {
            gamma = gamma.copy();
        }

        @Override
        public DMatrixRMaj gamma() {
            return gamma.copy();
        }
    }

    /** The context mean {@code h = Σ_i y_i x_i / N} of prompt b, {@code [d]}. */
    public static double[] contextMean(PromptSet prompts, int b) {
        int d = prompts.d();
        int n = prompts.n();
        double[] h = new double[d];
        for (int i = 0; i < n; i++) {
            double y = prompts.y(b, i);
            for (int k = 0; k < d; k++) {
                h[k] += y * prompts.x(b, i, k);
            }
        }
        for (int k = 0; k < d; k++) {
            h[k] /= n;
        }
        return h;
    }

    /** The features {@code x_q ⊗ h} of prompt b, {@code [d²]}. */
    public static double[] features(PromptSet prompts, int b) {
        int d = prompts.d();
        double[] h = contextMean(prompts, b);
        double[] phi = new double[d * d];
        for (int a = 0; a < d; a++) {
            double xa = prompts.xq(b, a);
            for (int c = 0; c < d; c++) {
                phi[a * d + c] = xa * h[c];
            }
        }
        return phi;
    }

    /** {@code x_qᵀ Γ h} for every prompt, {@code [B]}. */
    public static double[] predict(PromptSet prompts, DMatrixRMaj gamma) {
        int d = prompts.d();
        double[] out = new double[prompts.size()];
        for (int b = 0; b < prompts.size(); b++) {
            double[] h = contextMean(prompts, b);
            double s = 0;
            for (int a = 0; a < d; a++) {
                double row = 0;
                for (int c = 0; c < d; c++) {
                    row += gamma.get(a, c) * h[c];
                }
                s += prompts.xq(b, a) * row;
            }
            out[b] = s;
        }
        return out;
    }

    /** Fits {@code responses [B]} on the features of {@code prompts}. */
    public static Fit fit(PromptSet prompts, double[] responses) {
        Accumulator acc = new Accumulator(prompts.d());
        acc.add(prompts, responses);
        DMatrixRMaj gamma = acc.solve();
        double[] fitted = predict(prompts, gamma);
        double mean = 0;
        for (double r : responses) {
            mean += r;
        }
        mean /= responses.length;
        double ssRes = 0;
        double ssTot = 0;
        for (int b = 0; b < responses.length; b++) {
            double e = responses[b] - fitted[b];
            ssRes += e * e;
            double c = responses[b] - mean;
            ssTot += c * c;
        }
        double r2 = ssTot > 0 ? 1 - ssRes / ssTot : Double.NaN;
        return new Fit(gamma, r2, ssRes / responses.length, responses.length);
    }

    /**
     * Streaming normal equations {@code (Σ φ φᵀ) γ = Σ φ r} over the prompts added so far. Not thread-safe; one
     * accumulator per fit.
     */
    public static final class Accumulator {
        private final int d;
        private final DMatrixRMaj gram; // [d², d²]
        private final DMatrixRMaj rhs; // [d², 1]
        private int count;

        public Accumulator(int d) {
            if (d <= 0) {
                throw new IllegalArgumentException("PGD fit: d must be positive, got " + d);
            }
            this.d = d;
            this.gram = new DMatrixRMaj(d * d, d * d);
            this.rhs = new DMatrixRMaj(d * d, 1);
        }

        /** Adds the prompts with their responses {@code [B]}. */
        public Accumulator add(PromptSet prompts, double[] responses) {
            if (prompts.d() != d) {
                throw new IllegalArgumentException("PGD fit: prompts have d=" + prompts.d() + ", expected " + d);
            }
            if (responses.length != prompts.size()) {
                throw new IllegalArgumentException("PGD fit: " + responses.length + " responses for "
                        + prompts.size() + " prompts");
            }
            int p = d * d;
            for (int start = 0; start < prompts.size(); start += CHUNK) {
                int rows = Math.min(CHUNK, prompts.size() - start);
                DMatrixRMaj f = new DMatrixRMaj(rows, p); // [chunk, d²]
                DMatrixRMaj r = new DMatrixRMaj(rows, 1);
                for (int i = 0; i < rows; i++) {
                    System.arraycopy(features(prompts, start + i), 0, f.data, i * p, p);
                    r.data[i] = responses[start + i];
                }
                CommonOps_DDRM.multAddTransA(f, f, gram);
                CommonOps_DDRM.multAddTransA(f, r, rhs);
            }
            count += prompts.size();
            return this;
        }

        /** Number of prompts added. */
        public int count() {
            return count;
        }

        /** Γ {@code [d, d]} solving the normal equations (minimum-norm solution when they are singular). */
        public DMatrixRMaj solve() {
            if (count == 0) {
                throw new IllegalStateException("PGD fit: no prompts were added");
            }
            DMatrixRMaj coef = new DMatrixRMaj(d * d, 1);
            LinearSolverDense<DMatrixRMaj> chol = LinearSolverFactory_DDRM.chol(d * d);
            boolean ok = chol.setA(gram.copy());
            if (ok) {
                chol.solve(rhs.copy(), coef);
                for (double c : coef.data) {
                    ok &= Double.isFinite(c);
                }
            }
            if (!ok) {
                LinearSolverDense<DMatrixRMaj> pinv = LinearSolverFactory_DDRM.pseudoInverse(true);
                if (!pinv.setA(gram.copy())) {
                    throw new IllegalStateException("PGD fit: the normal equations could not be solved");
                }
                pinv.solve(rhs.copy(), coef);
            }
            return DMatrixRMaj.wrap(d, d, coef.data);
        }
    }
}
