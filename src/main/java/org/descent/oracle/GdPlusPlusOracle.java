package org.descent.oracle;

import java.util.Arrays;
import java.util.Locale;
import org.descent.regressor.QuerySensitivity;
import org.descent.task.PromptSet;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

/**
 * GD++ (von Oswald et al. 2023, §4 "curvature correction") computed explicitly per prompt in EJML double precision:
 * the independent reference for {@link GdPlusPlusConstruction}.
 *
 * <p>Dimension glossary: {@code N} context examples, {@code d} input dimension, {@code K} layers;
 * {@code X [N, d]} current context inputs (row i is x_iᵀ), {@code y [N]} current context label slots,
 * {@code x_q [d]} current query input, {@code s} the query's label slot.
 *
 * <p><b>Definition.</b> Start from the prompt: {@code X⁰ = X}, {@code y⁰ = y}, {@code x_q⁰ = x_q}, {@code s⁰ = 0}.
 * Layer k = 1..K, with label step η_k and input correction γ_k, computes from the layer's input (all updates
 * simultaneous):
 * <pre>
 *   C = (X^{k−1})ᵀ X^{k−1} / N                 [d, d]  empirical second moment of the current inputs
 *   h = (X^{k−1})ᵀ y^{k−1} / N                 [d]     negative gradient of L(w) = 1/(2N)‖Xw − y‖² at w = 0
 *   y^k   = y^{k−1} − η_k X^{k−1} h            context labels: one GD step, residuals y_i − η_k h·x_i
 *   s^k   = s^{k−1} − η_k h·x_q^{k−1}          query slot
 *   X^k   = X^{k−1} (I − γ_k C)                every context input x_i ← (I − γ_k C) x_i
 *   x_q^k = (I − γ_k C) x_q^{k−1}              the query input too
 * </pre>
 * and the prediction is {@code ŷ = −s^K = Σ_k η_k h_k·x_q^{k−1}}. This is what one LSA layer with
 * {@code W_KᵀW_Q = [[I,0],[0,0]]}, {@code P W_V = [[−γ_k I, 0],[0, −η_k]]} does to the tokens; with all γ_k = 0 it
 * is K plain GD steps ({@link GradientDescentOracle#steps}). The paper writes the correction as
 * {@code x_j ← (I − γ X Xᵀ) x_j} with {@code X Xᵀ = Σ_i x_i x_iᵀ} a sum; here C is the mean (the LSA's 1/N), so
 * γ here = N · γ there. γ_K of the last layer does not affect ŷ (it only transforms inputs no later layer reads).
 *
 * <p>ŷ is linear in the original query: {@code ∂ŷ/∂x_q = Σ_k η_k (M_{k−1}···M_1)ᵀ h_k} with
 * {@code M_k = I − γ_k C_k}.
 */
public final class GdPlusPlusOracle implements QuerySensitivity {
    private final String name;
    private final double[] etas;
    private final double[] gammas;

    private GdPlusPlusOracle(String name, double[] etas, double[] gammas) {
        checkParameters(etas, gammas);
        this.name = name;
        this.etas = etas.clone();
        this.gammas = gammas.clone();
    }

    /** K GD++ layers with label steps η_1..η_K and input corrections γ_1..γ_K. */
    public static GdPlusPlusOracle of(double[] etas, double[] gammas) {
        return new GdPlusPlusOracle(etas.length + "-layer GD++", etas, gammas);
    }

    static void checkParameters(double[] etas, double[] gammas) {
        if (etas.length == 0 || etas.length != gammas.length) {
            throw new IllegalArgumentException("GD++: need one η and one γ per layer (at least one layer), got "
                    + etas.length + " η and " + gammas.length + " γ");
        }
        for (int k = 0; k < etas.length; k++) {
            if (!Double.isFinite(etas[k]) || !Double.isFinite(gammas[k])) {
                throw new IllegalArgumentException("GD++: η and γ must be finite, got η=" + Arrays.toString(etas)
                        + " γ=" + Arrays.toString(gammas));
            }
        }
    }

    @Override
    public String name() {
        return name;
    }

    /** A copy with another display name. */
    public GdPlusPlusOracle named(String newName) {
        return new GdPlusPlusOracle(newName, etas, gammas);
    }

    /** Number of layers K. */
    public int layers() {
        return etas.length;
    }

    public double[] etas() {
        return etas.clone();
    }

    public double[] gammas() {
        return gammas.clone();
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s(η=%s, γ=%s)", name, Arrays.toString(etas), Arrays.toString(gammas));
    }

    /** Prediction and ∂ŷ/∂x_q of prompt b, by the token-level definition above. */
    private double run(PromptSet prompts, int b, double[] jacobian) {
        int n = prompts.n();
        int d = prompts.d();
        DMatrixRMaj x = new DMatrixRMaj(prompts.contextInputs(b)); // X [N, d]
        DMatrixRMaj y = new DMatrixRMaj(n, 1, true, prompts.contextLabels(b)); // [N, 1]
        DMatrixRMaj xq = new DMatrixRMaj(d, 1, true, prompts.query(b)); // [d, 1]
        DMatrixRMaj c = new DMatrixRMaj(d, d);
        DMatrixRMaj h = new DMatrixRMaj(d, 1);
        DMatrixRMaj xh = new DMatrixRMaj(n, 1);
        DMatrixRMaj m = new DMatrixRMaj(d, d);
        DMatrixRMaj xNext = new DMatrixRMaj(n, d);
        DMatrixRMaj xqNext = new DMatrixRMaj(d, 1);
        DMatrixRMaj chain = CommonOps_DDRM.identity(d); // M_{k−1}···M_1, maps the original x_q to x_q^{k−1}
        DMatrixRMaj chainNext = new DMatrixRMaj(d, d);
        DMatrixRMaj jac = new DMatrixRMaj(d, 1);
        DMatrixRMaj term = new DMatrixRMaj(d, 1);
        double s = 0;
        for (int k = 0; k < etas.length; k++) {
            CommonOps_DDRM.multTransA(x, x, c);
            CommonOps_DDRM.scale(1.0 / n, c);
            CommonOps_DDRM.multTransA(x, y, h);
            CommonOps_DDRM.scale(1.0 / n, h);
            s -= etas[k] * CommonOps_DDRM.dot(h, xq);
            CommonOps_DDRM.multTransA(chain, h, term); // (M_{k−1}···M_1)ᵀ h_k
            CommonOps_DDRM.addEquals(jac, etas[k], term);
            CommonOps_DDRM.mult(x, h, xh);
            CommonOps_DDRM.addEquals(y, -etas[k], xh);
            CommonOps_DDRM.setIdentity(m);
            CommonOps_DDRM.addEquals(m, -gammas[k], c); // M_k = I − γ_k C (symmetric)
            CommonOps_DDRM.mult(x, m, xNext); // rows x_iᵀ M = (M x_i)ᵀ
            x.setTo(xNext);
            CommonOps_DDRM.mult(m, xq, xqNext);
            xq.setTo(xqNext);
            CommonOps_DDRM.mult(m, chain, chainNext);
            chain.setTo(chainNext);
        }
        if (jacobian != null) {
            System.arraycopy(jac.data, 0, jacobian, 0, d);
        }
        return -s;
    }

    @Override
    public double[] predict(PromptSet prompts) {
        double[] out = new double[prompts.size()];
        for (int b = 0; b < prompts.size(); b++) {
            out[b] = run(prompts, b, null);
        }
        return out;
    }

    @Override
    public double[][] queryJacobians(PromptSet prompts) {
        double[][] out = new double[prompts.size()][prompts.d()];
        for (int b = 0; b < prompts.size(); b++) {
            run(prompts, b, out[b]);
        }
        return out;
    }
}
