package org.descent.oracle;

import java.util.function.DoubleUnaryOperator;
import org.descent.task.PromptSet;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

/**
 * Per-prompt spectra of the context covariance, for fitting <em>spectral filters</em>: algorithms whose weight
 * vector is {@code w = f(S) h} for a scalar function f applied to {@code S}'s eigenvalues (ridge, iterative Newton,
 * plain K-step GD). Then {@code ŷ = x_qᵀ f(S) h = Σ_a f(λ_a) (Uᵀh)_a (Uᵀx_q)_a}, so once the eigen-decomposition is
 * known each prediction costs O(d) filter evaluations.
 *
 * <p>Dimension glossary: {@code B} prompts, {@code N} context examples, {@code d} input dimension;
 * {@code S = XᵀX/N [d, d] = U diag(λ) Uᵀ}, {@code h = Xᵀy/N [d]}, {@code x_q [d]}.
 *
 * <p>Used by the fitters only: the oracles themselves compute in matrix form and are tested against these fits.
 */
final class PromptSpectra {
    final int size;
    final int d;
    final int n;
    private final double[] lambda; // [B, d] eigenvalues of S
    private final double[] weight; // [B, d] (Uᵀh)_a (Uᵀx_q)_a

    private PromptSpectra(PromptSet prompts) {
        size = prompts.size();
        d = prompts.d();
        n = prompts.n();
        lambda = new double[size * d];
        weight = new double[size * d];
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(d, true, true);
        DMatrixRMaj s = new DMatrixRMaj(d, d);
        double[] h = new double[d];
        for (int b = 0; b < size; b++) {
            s.zero();
            java.util.Arrays.fill(h, 0);
            for (int i = 0; i < n; i++) {
                double yi = prompts.y(b, i);
                for (int a = 0; a < d; a++) {
                    double xa = prompts.x(b, i, a);
                    h[a] += yi * xa / n;
                    for (int e = a; e < d; e++) {
                        s.data[a * d + e] += xa * prompts.x(b, i, e) / n;
                    }
                }
            }
            for (int a = 0; a < d; a++) {
                for (int e = 0; e < a; e++) {
                    s.data[a * d + e] = s.data[e * d + a];
                }
            }
            if (!eig.decompose(s)) {
                throw new IllegalStateException("spectral fit: eigen-decomposition of S failed on prompt " + b);
            }
            for (int k = 0; k < d; k++) {
                lambda[b * d + k] = eig.getEigenvalue(k).getReal();
                DMatrixRMaj u = eig.getEigenVector(k);
                double hk = 0;
                double qk = 0;
                for (int a = 0; a < d; a++) {
                    hk += u.get(a) * h[a];
                    qk += u.get(a) * prompts.xq(b, a);
                }
                weight[b * d + k] = hk * qk;
            }
        }
    }

    static PromptSpectra of(PromptSet prompts) {
        if (prompts.size() < 1) {
            throw new IllegalArgumentException("spectral fit: no prompts");
        }
        return new PromptSpectra(prompts);
    }

    /** Checks that {@code targets} has one finite value per prompt. */
    void checkTargets(double[] targets, String what) {
        if (targets.length != size) {
            throw new IllegalArgumentException(what + ": " + targets.length + " targets for " + size + " prompts");
        }
        for (int b = 0; b < size; b++) {
            if (!Double.isFinite(targets[b])) {
                throw new IllegalArgumentException(what + ": target " + b + " is not finite: " + targets[b]);
            }
        }
    }

    /** The largest eigenvalue of S over all prompts. */
    double maxEigenvalue() {
        double m = Double.NEGATIVE_INFINITY;
        for (double l : lambda) {
            m = Math.max(m, l);
        }
        return m;
    }

    /** The mean eigenvalue of S over all prompts and directions (mean tr(S)/d). */
    double meanEigenvalue() {
        double s = 0;
        for (double l : lambda) {
            s += l;
        }
        return s / lambda.length;
    }

    /** Predictions {@code ŷ [B]} of the filter f: {@code ŷ_b = Σ_a f(λ_{b,a}) weight_{b,a}}. */
    double[] predict(DoubleUnaryOperator filter) {
        double[] out = new double[size];
        for (int b = 0; b < size; b++) {
            double s = 0;
            for (int a = 0; a < d; a++) {
                s += filter.applyAsDouble(lambda[b * d + a]) * weight[b * d + a];
            }
            out[b] = s;
        }
        return out;
    }

    /** Mean squared difference between the filter's predictions and {@code targets [B]}. */
    double mse(DoubleUnaryOperator filter, double[] targets) {
        double total = 0;
        for (int b = 0; b < size; b++) {
            double s = 0;
            for (int a = 0; a < d; a++) {
                s += filter.applyAsDouble(lambda[b * d + a]) * weight[b * d + a];
            }
            double r = s - targets[b];
            total += r * r;
        }
        return total / size;
    }
}
