package org.descent.classify;

import org.descent.oracle.PgdFeatureRegression;
import org.descent.task.PromptSet;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

/**
 * The training objective of the single-layer linear-attention classifier of Shen, Zhou, Yang and Shen 2025 on a fixed
 * set of M prompts, in double precision: the mean cross-entropy of {@code P(y = +1) = σ(ŷ)} with the logit
 * {@code ŷ = x_qᵀ W h}, {@code h = (1/N) Σ_i y_i x_i}, labels ±1:
 * {@code L(W) = (1/M) Σ_b log(1 + exp(−y_b ŷ_b))}.
 *
 * <p>Dimension glossary: {@code M} prompts, {@code N} context examples, {@code d} input dimension, {@code W [d, d]}
 * (the merged key-query block of the attention layer, see {@link LinearAttentionClassifier}), {@code p = d²}
 * parameters, row-major {@code θ = vec(W)}.
 *
 * <p>The logit is linear in W: {@code ŷ_b = φ_bᵀθ} with the feature {@code φ_b = vec(x_q h_bᵀ) [p]}
 * ({@code φ_b[i d + j] = x_{q,i} h_{b,j}}), so L is a logistic regression on the features: convex, with gradient
 * {@code −(1/M) Σ σ(−m_b) y_b φ_b} and Hessian {@code (1/M) Σ σ(m_b) σ(−m_b) φ_b φ_bᵀ} ({@code m_b = y_b φ_bᵀθ});
 * smooth with constant {@code β = λ_max(ΦᵀΦ)/(4M)}; strictly convex with a unique finite minimiser when the training
 * set is not linearly separable in φ (the classes overlap, so a few hundred prompts suffice).
 */
public final class InContextClassificationLoss {
    private final int d;
    private final int p;
    private final int m;
    private final double[] features; // Φ [M, p] row-major
    private final double[] labels; // y [M]

    private InContextClassificationLoss(int d, double[] features, double[] labels) {
        this.d = d;
        this.p = d * d;
        this.m = labels.length;
        this.features = features;
        this.labels = labels;
    }

    /** The objective on {@code prompts} (labels ±1 in the y slots, the query's target its label). */
    public static InContextClassificationLoss of(PromptSet prompts) {
        int d = prompts.d();
        int p = d * d;
        int m = prompts.size();
        double[] phi = new double[m * p];
        double[] y = new double[m];
        for (int b = 0; b < m; b++) {
            double[] h = PgdFeatureRegression.contextMean(prompts, b);
            for (int i = 0; i < d; i++) {
                double xq = prompts.xq(b, i);
                for (int j = 0; j < d; j++) {
                    phi[b * p + i * d + j] = xq * h[j];
                }
            }
            y[b] = prompts.target(b);
            if (y[b] != 1.0 && y[b] != -1.0) {
                throw new IllegalArgumentException("classification loss: prompt " + b + " has target " + y[b]
                        + ", not ±1");
            }
        }
        return new InContextClassificationLoss(d, phi, y);
    }

    public int d() {
        return d;
    }

    /** Number of parameters p = d². */
    public int parameters() {
        return p;
    }

    /** Number of prompts M. */
    public int prompts() {
        return m;
    }

    private double margin(int b, double[] theta) {
        double s = 0;
        int o = b * p;
        for (int k = 0; k < p; k++) {
            s += features[o + k] * theta[k];
        }
        return labels[b] * s;
    }

    /** {@code log(1 + e^{−m})} without overflow. */
    static double softplusNeg(double margin) {
        return margin > 0 ? Math.log1p(Math.exp(-margin)) : -margin + Math.log1p(Math.exp(margin));
    }

    /** {@code σ(−m) = 1/(1 + e^{m})} without overflow. */
    static double sigmoidNeg(double margin) {
        if (margin > 0) {
            double e = Math.exp(-margin);
            return e / (1 + e);
        }
        return 1 / (1 + Math.exp(margin));
    }

    /** Whether θ classifies every prompt correctly (all margins positive): then the set is separable. */
    public boolean separates(double[] theta) {
        for (int b = 0; b < m; b++) {
            if (!(margin(b, theta) > 0)) {
                return false;
            }
        }
        return true;
    }

    /** L(θ), θ = vec(W) row-major {@code [p]}. */
    public double value(double[] theta) {
        double s = 0;
        for (int b = 0; b < m; b++) {
            s += softplusNeg(margin(b, theta));
        }
        return s / m;
    }

    /** ∇L(θ) {@code [p]}. */
    public double[] gradient(double[] theta) {
        double[] g = new double[p];
        for (int b = 0; b < m; b++) {
            double c = -sigmoidNeg(margin(b, theta)) * labels[b];
            int o = b * p;
            for (int k = 0; k < p; k++) {
                g[k] += c * features[o + k];
            }
        }
        for (int k = 0; k < p; k++) {
            g[k] /= m;
        }
        return g;
    }

    /** ∇²L(θ) {@code [p, p]}. */
    public DMatrixRMaj hessian(double[] theta) {
        DMatrixRMaj h = new DMatrixRMaj(p, p);
        for (int b = 0; b < m; b++) {
            double s = sigmoidNeg(margin(b, theta));
            double w = s * (1 - s);
            int o = b * p;
            for (int i = 0; i < p; i++) {
                double fi = w * features[o + i];
                for (int j = i; j < p; j++) {
                    h.data[i * p + j] += fi * features[o + j];
                }
            }
        }
        for (int i = 0; i < p; i++) {
            for (int j = i; j < p; j++) {
                double v = h.data[i * p + j] / m;
                h.data[i * p + j] = v;
                h.data[j * p + i] = v;
            }
        }
        return h;
    }

    /** The smoothness constant {@code β = λ_max(ΦᵀΦ)/(4M)}: ∇²L ⪯ β I everywhere. */
    public double smoothness() {
        DMatrixRMaj g = new DMatrixRMaj(p, p);
        for (int b = 0; b < m; b++) {
            int o = b * p;
            for (int i = 0; i < p; i++) {
                double fi = features[o + i];
                for (int j = 0; j < p; j++) {
                    g.data[i * p + j] += fi * features[o + j];
                }
            }
        }
        CommonOps_DDRM.scale(1.0 / (4.0 * m), g);
        double[] e = eigenvalues(g);
        return e[e.length - 1];
    }

    /** Eigenvalues of a symmetric matrix, ascending. */
    public static double[] eigenvalues(DMatrixRMaj sym) {
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(sym.numRows, false, true);
        if (!eig.decompose(sym.copy())) {
            throw new IllegalStateException("classification loss: eigen-decomposition failed");
        }
        double[] e = new double[sym.numRows];
        for (int i = 0; i < e.length; i++) {
            e[i] = eig.getEigenvalue(i).getReal();
        }
        java.util.Arrays.sort(e);
        return e;
    }

    /** The logits {@code ŷ_b = x_qᵀ W h_b} of {@code prompts} under W {@code [d, d]}. */
    public static double[] logits(DMatrixRMaj w, PromptSet prompts) {
        int d = prompts.d();
        double[] out = new double[prompts.size()];
        for (int b = 0; b < out.length; b++) {
            double[] h = PgdFeatureRegression.contextMean(prompts, b);
            double s = 0;
            for (int i = 0; i < d; i++) {
                double wh = 0;
                for (int j = 0; j < d; j++) {
                    wh += w.get(i, j) * h[j];
                }
                s += prompts.xq(b, i) * wh;
            }
            out[b] = s;
        }
        return out;
    }

    /** θ = vec(W) row-major. */
    public static double[] vec(DMatrixRMaj w) {
        return w.getData().clone();
    }

    /** W from θ = vec(W). */
    public static DMatrixRMaj unvec(double[] theta, int d) {
        return new DMatrixRMaj(d, d, true, theta.clone());
    }
}
