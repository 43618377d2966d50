package org.descent.compare;

import org.descent.oracle.PgdFeatureRegression;
import org.descent.regressor.InContextRegressor;
import org.descent.task.PromptSet;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.NormOps_DDRM;
import org.ejml.dense.row.factory.LinearSolverFactory_DDRM;
import org.ejml.interfaces.linsol.LinearSolverDense;

/**
 * Distances between in-context learning algorithms (README, Contracts), for any {@link InContextRegressor}: trained
 * models,
 * weight constructions, EJML oracles, foreign checkpoints.
 *
 * <p>Dimension glossary: {@code B} prompts, {@code N} context examples, {@code d} input dimension, {@code M} probe
 * inputs.
 * <ul>
 *   <li>{@link #distanceToIdentity}: {@code Dist(M, I) = min_α ‖M − αI‖_F / ‖M‖_F} (Ahn et al. 2023); the minimiser
 *       is α = tr M / d, so {@code Dist = sqrt(1 − (tr M)² / (d ‖M‖_F²))}.</li>
 *   <li>{@link #spd}: {@code SPD(A, B) = E[(ŷ_A − ŷ_B)²]} over prompts.</li>
 *   <li>{@link #ilwd}: implicit linear weight difference. For every prompt, keep its context fixed and query each
 *       model at M probe inputs x'_1..x'_M; fit {@code ŵ_A = argmin_w Σ_i (A(x'_i) − wᵀx'_i)²} by least squares (the
 *       linear function the model has "learned" from that context), likewise ŵ_B; report
 *       {@code E‖ŵ_A − ŵ_B‖²} over prompts. Needs M ≥ d probes in general position.</li>
 *   <li>{@link #pgdFit}: behavioural PGD fit: least squares of ŷ on the d² features {@code x_q ⊗ h}, giving the Γ of
 *       the best-matching one-step PGD, the R² of the match, and the distance to a reference Γ*.</li>
 * </ul>
 */
public final class AlgorithmDistances {
    private static final int PROMPT_CHUNK = 512;

    private AlgorithmDistances() {}

    /**
     * The sign-aware distance {@code Dist₊(M, I) = min_{α ≥ 0} ‖M − αI‖_F / ‖M‖_F}, in [0, 1]: equal to
     * {@link #distanceToIdentity} when tr M &gt; 0 and to 1 when tr M ≤ 0 (−ηI is gradient ascent, not descent, and
     * lies at distance 1 from every positive multiple of I). M must be square, non-zero.
     */
    public static double distanceToPositiveIdentity(DMatrixRMaj m) {
        double dist = distanceToIdentity(m);
        return CommonOps_DDRM.trace(m) > 0 ? dist : 1.0;
    }

    /**
     * The descent margin of a preconditioner: the smallest eigenvalue of its symmetric part {@code (M + Mᵀ)/2} over
     * the largest absolute eigenvalue, in [−1, 1]. Positive exactly when sym(M) ≻ 0 (every step is a descent
     * direction); scale-free. NaN for a zero matrix.
     */
    public static double descentMargin(DMatrixRMaj m) {
        if (m.numRows != m.numCols || m.numRows == 0) {
            throw new IllegalArgumentException("descent margin: M must be square, got " + m.numRows + "x" + m.numCols);
        }
        DMatrixRMaj sym = new DMatrixRMaj(m.numRows, m.numCols);
        CommonOps_DDRM.transpose(m, sym);
        CommonOps_DDRM.addEquals(sym, m);
        CommonOps_DDRM.scale(0.5, sym);
        org.ejml.interfaces.decomposition.EigenDecomposition_F64<DMatrixRMaj> eig =
                org.ejml.dense.row.factory.DecompositionFactory_DDRM.eig(m.numRows, false, true);
        if (!eig.decompose(sym)) {
            throw new IllegalStateException("descent margin: eigendecomposition failed");
        }
        double min = Double.POSITIVE_INFINITY;
        double max = 0;
        for (int i = 0; i < m.numRows; i++) {
            double v = eig.getEigenvalue(i).getReal();
            min = Math.min(min, v);
            max = Math.max(max, Math.abs(v));
        }
        return max == 0 ? Double.NaN : min / max;
    }

    /** {@code Dist(M, I) = min_α ‖M − αI‖_F / ‖M‖_F}, in [0, 1]; 0 exactly when M ∝ I. M must be square, non-zero. */
    public static double distanceToIdentity(DMatrixRMaj m) {
        if (m.numRows != m.numCols || m.numRows == 0) {
            throw new IllegalArgumentException("Dist(M, I): M must be square, got " + m.numRows + "x" + m.numCols);
        }
        double norm2 = 0;
        for (double v : m.data) {
            norm2 += v * v;
        }
        if (norm2 == 0) {
            throw new IllegalArgumentException("Dist(M, I): M is zero");
        }
        double tr = CommonOps_DDRM.trace(m);
        double ratio = 1 - tr * tr / (m.numRows * norm2);
        return Math.sqrt(Math.max(ratio, 0));
    }

    /** {@code SPD = mean((a − b)²)} of two prediction vectors {@code [B]}. */
    public static double spd(double[] a, double[] b) {
        if (a.length != b.length || a.length == 0) {
            throw new IllegalArgumentException("SPD: prediction vectors of lengths " + a.length + " and " + b.length);
        }
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            double e = a[i] - b[i];
            s += e * e;
        }
        return s / a.length;
    }

    /** {@code SPD(A, B) = E[(ŷ_A − ŷ_B)²]} on {@code prompts}. */
    public static double spd(InContextRegressor a, InContextRegressor b, PromptSet prompts) {
        return spd(a.predict(prompts), b.predict(prompts));
    }

    /** The query inputs of the first {@code count} prompts of {@code source} as probe inputs {@code [M][d]}. */
    public static double[][] probesFromQueries(PromptSet source, int count) {
        if (count <= 0 || count > source.size()) {
            throw new IllegalArgumentException("ILWD: cannot take " + count + " probes from " + source.size()
                    + " prompts");
        }
        double[][] out = new double[count][];
        for (int i = 0; i < count; i++) {
            out[i] = source.query(i);
        }
        return out;
    }

    /**
     * The implicit linear weights of {@code model} on every prompt: {@code ŵ_b = argmin_w Σ_i (A_b(x'_i) − wᵀx'_i)²}
     * where {@code A_b(x')} is the model's prediction for prompt b's context with query x'.
     *
     * @param probes {@code [M][d]} probe inputs, M ≥ d, of full column rank
     * @return {@code [B][d]}
     */
    public static double[][] implicitWeights(InContextRegressor model, PromptSet prompts, double[][] probes) {
        int d = prompts.d();
        int m = probes.length;
        DMatrixRMaj pinv = probePseudoInverse(probes, d); // [d, M]
        int n = prompts.n();
        int per = (n + 1) * (d + 1);
        double[] flat = prompts.flatTokens();
        double[][] out = new double[prompts.size()][];
        for (int start = 0; start < prompts.size(); start += PROMPT_CHUNK) {
            int count = Math.min(PROMPT_CHUNK, prompts.size() - start);
            double[] tokens = new double[count * m * per]; // [count·M, N+1, D]
            for (int b = 0; b < count; b++) {
                for (int i = 0; i < m; i++) {
                    int dst = (b * m + i) * per;
                    System.arraycopy(flat, (start + b) * per, tokens, dst, n * (d + 1));
                    System.arraycopy(probes[i], 0, tokens, dst + n * (d + 1), d);
                }
            }
            PromptSet probed = new PromptSet(d, n, tokens, new double[count * m]);
            double[] preds = model.predict(probed); // [count·M]
            for (int b = 0; b < count; b++) {
                DMatrixRMaj yb = DMatrixRMaj.wrap(m, 1, java.util.Arrays.copyOfRange(preds, b * m, (b + 1) * m));
                DMatrixRMaj w = new DMatrixRMaj(d, 1);
                CommonOps_DDRM.mult(pinv, yb, w);
                out[start + b] = w.data;
            }
        }
        return out;
    }

    /** ILWD(A, B) = {@code E‖ŵ_A − ŵ_B‖²} over prompts, with implicit weights from the same probe inputs. */
    public static double ilwd(InContextRegressor a, InContextRegressor b, PromptSet prompts, double[][] probes) {
        double[][] wa = implicitWeights(a, prompts, probes);
        double[][] wb = implicitWeights(b, prompts, probes);
        double s = 0;
        for (int p = 0; p < wa.length; p++) {
            for (int k = 0; k < wa[p].length; k++) {
                double e = wa[p][k] - wb[p][k];
                s += e * e;
            }
        }
        return s / wa.length;
    }

    private static DMatrixRMaj probePseudoInverse(double[][] probes, int d) {
        if (probes.length < d) {
            throw new IllegalArgumentException("ILWD: need at least d = " + d + " probe inputs, got " + probes.length);
        }
        for (double[] p : probes) {
            if (p.length != d) {
                throw new IllegalArgumentException("ILWD: probe inputs must have d = " + d + " coordinates, got "
                        + p.length);
            }
        }
        DMatrixRMaj x = new DMatrixRMaj(probes); // [M, d]
        LinearSolverDense<DMatrixRMaj> solver = LinearSolverFactory_DDRM.pseudoInverse(true);
        if (!solver.setA(x.copy())) {
            throw new IllegalArgumentException("ILWD: pseudo-inverse of the probe inputs failed");
        }
        DMatrixRMaj pinv = new DMatrixRMaj(d, probes.length);
        solver.invert(pinv);
        return pinv;
    }

    /**
     * A behavioural PGD fit.
     *
     * @param gamma fitted Γ, {@code [d, d]}
     * @param rSquared R² of ŷ ≈ x_qᵀ Γ h (1 for an exact one-step PGD)
     * @param residualMse mean squared residual of the fit
     * @param relativeDistance {@code ‖Γ − Γ*‖_F / ‖Γ*‖_F} to the reference, NaN without one
     * @param distanceToIdentity {@code Dist(Γ, I)}
     */
    public record PgdFit(DMatrixRMaj gamma, double rSquared, double residualMse, double relativeDistance,
            double distanceToIdentity) {
        public PgdFit {
            gamma = gamma.copy();
        }

        @Override
        public DMatrixRMaj gamma() {
            return gamma.copy();
        }
    }

    /** Behavioural PGD fit of {@code model} on {@code prompts}, compared with {@code reference} (may be null). */
    public static PgdFit pgdFit(InContextRegressor model, PromptSet prompts, DMatrixRMaj reference) {
        PgdFeatureRegression.Fit fit = PgdFeatureRegression.fit(prompts, model.predict(prompts));
        DMatrixRMaj g = fit.gamma();
        double rel = Double.NaN;
        if (reference != null) {
            if (reference.numRows != g.numRows || reference.numCols != g.numCols) {
                throw new IllegalArgumentException("PGD fit: reference Γ* is " + reference.numRows + "x"
                        + reference.numCols + " but d = " + g.numRows);
            }
            DMatrixRMaj diff = new DMatrixRMaj(g.numRows, g.numCols);
            CommonOps_DDRM.subtract(g, reference, diff);
            rel = NormOps_DDRM.normF(diff) / NormOps_DDRM.normF(reference);
        }
        double dist = NormOps_DDRM.normF(g) > 0 ? distanceToIdentity(g) : Double.NaN;
        return new PgdFit(g, fit.rSquared(), fit.residualMse(), rel, dist);
    }
}
