package org.descent.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.descent.model.LsaLayerWeights;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;

/** Γ_eff = −v Aᵀ and the block norms, read off the constructions. */
class EffectivePreconditionerTest {
    private static final double EXACT = 1e-15;

    @Test
    void pgdLayerGivesBackItsPreconditionerTimesEta() {
        DMatrixRMaj gamma = TestPrompts.randomMatrix(4, 1.0, 3);
        EffectivePreconditioner eff = EffectivePreconditioner.of(PreconditionedGdConstruction.layer(gamma, 0.7));
        DMatrixRMaj expected = gamma.copy();
        CommonOps_DDRM.scale(0.7, expected);
        double diff = TestPrompts.maxAbsDiff(eff.gamma(), expected);
        assertTrue(diff < EXACT, "Γ_eff of PGD(Γ, η) vs ηΓ: max diff " + diff);
        assertEquals(-0.7, eff.labelValue(), EXACT);
        assertEquals(0.0, eff.vanishingBlocksNorm(), "a PGD layer has no even-in-w terms");
        assertEquals(0.0, eff.keyQueryLabelColumnNorm());
        assertEquals(0.0, eff.keyQueryLabelLabel());
        assertEquals(0.0, eff.valueInputFromLabelNorm());
        assertEquals(0.0, TestPrompts.maxAbs(eff.inputCorrection().data));
    }

    @Test
    void gdLayerGivesEtaTimesIdentity() {
        EffectivePreconditioner eff = EffectivePreconditioner.of(OneStepGdConstruction.layer(3, 1.5));
        DMatrixRMaj expected = CommonOps_DDRM.identity(3);
        CommonOps_DDRM.scale(1.5, expected);
        assertTrue(TestPrompts.maxAbsDiff(eff.gamma(), expected) < EXACT, "Γ_eff of GD(η) is η I");
        assertEquals(Math.sqrt(3) * 1.5, eff.gammaNorm(), 1e-14);
    }

    @Test
    void gdPlusPlusLayerReportsItsInputCorrection() {
        EffectivePreconditioner eff = EffectivePreconditioner.of(GdPlusPlusConstruction.layer(3, 0.4, 0.25));
        DMatrixRMaj expected = CommonOps_DDRM.identity(3);
        CommonOps_DDRM.scale(0.25, expected);
        assertTrue(TestPrompts.maxAbsDiff(eff.inputCorrection(), expected) < EXACT, "GD++ input correction is γ I");
        assertEquals(0.0, eff.vanishingBlocksNorm());
    }

    @Test
    void shouldVanishBlocksAreMeasured() {
        int d = 3;
        int dim = d + 1;
        DMatrixRMaj kq = new DMatrixRMaj(dim, dim);
        DMatrixRMaj pv = new DMatrixRMaj(dim, dim);
        kq.set(0, 0, 1);
        pv.set(d, d, -1);
        pv.set(d, 0, 3); // (P W_V)[d, :d]
        kq.set(d, 1, 4); // (W_KᵀW_Q)[d, :d]
        kq.set(2, d, 2); // (W_KᵀW_Q)[:d, d]
        pv.set(1, d, 5); // (P W_V)[:d, d]
        EffectivePreconditioner eff = EffectivePreconditioner.of(LsaLayerWeights.fromProducts(kq, pv));
        assertEquals(3.0, eff.valueLabelFromInputsNorm(), EXACT);
        assertEquals(4.0, eff.keyQueryLabelRowNorm(), EXACT);
        assertEquals(5.0, eff.vanishingBlocksNorm(), EXACT);
        assertEquals(2.0, eff.keyQueryLabelColumnNorm(), EXACT);
        assertEquals(5.0, eff.valueInputFromLabelNorm(), EXACT);
    }
}
