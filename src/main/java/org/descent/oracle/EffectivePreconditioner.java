package org.descent.oracle;

import org.descent.model.LsaLayerWeights;
import org.descent.model.LsaWeights;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.NormOps_DDRM;

/**
 * The preconditioner a linear-self-attention layer applies, read off its weights (README, Contracts), with the norms of
 * the blocks that a pure preconditioned-GD layer leaves at zero.
 *
 * <p>Dimension glossary: {@code d} input dimension, {@code D = d + 1} token width; {@code KQ = W_KᵀW_Q [D, D]},
 * {@code PV = P W_V [D, D]}; index {@code d} (0-based) is the label coordinate.
 *
 * <p>The query's label slot (which the readout negates) receives
 * {@code Σ_c PV[d, c] · (Σ_i e_i e_iᵀ KQ e_q / N)[c]} with {@code e_q = [x_q, 0]}. The term through
 * {@code v = PV[d, d]} and {@code A = KQ[:d, :d]} is {@code v hᵀ A x_q}, so {@code ŷ = x_qᵀ Γ_eff h} with
 * {@code Γ_eff = −v Aᵀ}. The terms through {@code PV[d, :d]} and {@code KQ[d, :d]} are even in the task weights w and
 * should vanish after training (README, Contracts). The remaining blocks do not reach a one-layer prediction but act in
 * deeper
 * stacks: {@code PV[:d, :d]} transforms the inputs (GD++: {@code x ← x + PV[:d,:d] C A x}, reported as
 * {@code inputCorrection = −PV[:d, :d]}, which is γ I for the GD++ construction), {@code PV[:d, d]} writes labels
 * into inputs, and {@code KQ[:d, d]}, {@code KQ[d, d]} let the labels of context tokens enter the attention scores.
 *
 * @param gamma Γ_eff = −v Aᵀ, {@code [d, d]}
 * @param labelValue v = (P W_V)[d, d]
 * @param keyQueryInputs A = (W_Kᵀ W_Q)[:d, :d], {@code [d, d]}
 * @param valueLabelFromInputsNorm ‖(P W_V)[d, :d]‖₂ (should vanish)
 * @param keyQueryLabelRowNorm ‖(W_Kᵀ W_Q)[d, :d]‖₂ (should vanish)
 * @param keyQueryLabelColumnNorm ‖(W_Kᵀ W_Q)[:d, d]‖₂
 * @param keyQueryLabelLabel (W_Kᵀ W_Q)[d, d]
 * @param inputCorrection −(P W_V)[:d, :d], {@code [d, d]} (γ I for a GD++ layer, 0 for (P)GD)
 * @param valueInputFromLabelNorm ‖(P W_V)[:d, d]‖₂
 */
public record EffectivePreconditioner(DMatrixRMaj gamma, double labelValue, DMatrixRMaj keyQueryInputs,
        double valueLabelFromInputsNorm, double keyQueryLabelRowNorm, double keyQueryLabelColumnNorm,
        double keyQueryLabelLabel, DMatrixRMaj inputCorrection, double valueInputFromLabelNorm) {

    public EffectivePreconditioner {
        gamma = gamma.copy();
        keyQueryInputs = keyQueryInputs.copy();
        inputCorrection = inputCorrection.copy();
    }

    /** Reads the effective preconditioner of one layer. */
    public static EffectivePreconditioner of(LsaLayerWeights layer) {
        DMatrixRMaj kq = layer.keyQuery();
        DMatrixRMaj pv = layer.projectedValue();
        int d = layer.dim() - 1;
        DMatrixRMaj a = CommonOps_DDRM.extract(kq, 0, d, 0, d);
        double v = pv.get(d, d);
        DMatrixRMaj gamma = CommonOps_DDRM.transpose(a, null);
        CommonOps_DDRM.scale(-v, gamma);
        DMatrixRMaj correction = CommonOps_DDRM.extract(pv, 0, d, 0, d);
        CommonOps_DDRM.scale(-1.0, correction);
        return new EffectivePreconditioner(gamma, v, a,
                NormOps_DDRM.normF(CommonOps_DDRM.extract(pv, d, d + 1, 0, d)),
                NormOps_DDRM.normF(CommonOps_DDRM.extract(kq, d, d + 1, 0, d)),
                NormOps_DDRM.normF(CommonOps_DDRM.extract(kq, 0, d, d, d + 1)),
                kq.get(d, d),
                correction,
                NormOps_DDRM.normF(CommonOps_DDRM.extract(pv, 0, d, d, d + 1)));
    }

    /** Reads application {@code layer} (0-based) of a (possibly weight-tied) stack. */
    public static EffectivePreconditioner of(LsaWeights weights, int layer) {
        return of(weights.layer(layer));
    }

    /** Input dimension d. */
    public int d() {
        return gamma.numRows;
    }

    @Override
    public DMatrixRMaj gamma() {
        return gamma.copy();
    }

    @Override
    public DMatrixRMaj keyQueryInputs() {
        return keyQueryInputs.copy();
    }

    @Override
    public DMatrixRMaj inputCorrection() {
        return inputCorrection.copy();
    }

    /**
     * {@code sqrt(‖(P W_V)[d,:d]‖² + ‖(W_KᵀW_Q)[d,:d]‖²)}: the two blocks the README's contracts say should vanish
     * after
     * training.
     */
    public double vanishingBlocksNorm() {
        return Math.hypot(valueLabelFromInputsNorm, keyQueryLabelRowNorm);
    }

    /** {@code ‖Γ_eff‖_F}, the scale to compare the vanishing norms against. */
    public double gammaNorm() {
        return NormOps_DDRM.normF(gamma);
    }
}
