package org.descent.model.causal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import org.descent.oracle.MesaOptimizerOracle;
import org.descent.oracle.MesaStepFitter;
import org.descent.task.sequence.SequenceSampler;
import org.descent.task.sequence.SequenceSet;
import org.descent.task.sequence.SequenceTaskConfig;
import org.descent.task.sequence.TransitionClass;
import org.descent.train.CausalAttentionTrainer;
import org.descent.train.TrainConfig;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;

/**
 * The linear causal self-attention against an EJML computation of the full layer over the 3d embedding, its causal
 * mask, its constructions against the one-step mesa-optimizer oracles at every position, and deterministic training.
 */
class LinearCausalSelfAttentionTest {
    /** float32 model vs double reference, relative to the largest prediction. */
    static final double FLOAT32_TOL = 1e-5;
    /** Double-precision closed forms. */
    static final double DOUBLE_TOL = 1e-10;
    static final int D = 4;

    private static SequenceSet sequences(int count, long seed) {
        return new SequenceSampler(new SequenceTaskConfig(D, 9, TransitionClass.ORTHOGONAL,
                new double[] {0.7, 1.0, 1.2, 0.9}, 0.05)).sample(count, seed);
    }

    /**
     * The full layer in EJML: e_t = [0; x_t; x_{t−1}], f_t = e_t + W^{PV} (1/ρ_t) Σ_{i≤t} e_i e_iᵀ W^{KQ} e_t, the
     * prediction is block 1 of f_t.
     */
    private static double[][][] reference(CausalAttentionWeights w, SequenceSet s) {
        int d = s.d();
        DMatrixRMaj pv = w.fullValueProjection();
        DMatrixRMaj kq = w.fullKeyQuery();
        double[][][] out = new double[s.count()][s.length()][d];
        for (int q = 0; q < s.count(); q++) {
            for (int t = 1; t <= s.length(); t++) {
                DMatrixRMaj sum = new DMatrixRMaj(3 * d, 3 * d);
                for (int i = 1; i <= t; i++) {
                    DMatrixRMaj e = embed(s, q, i);
                    CommonOps_DDRM.multAddTransB(e, e, sum);
                }
                CommonOps_DDRM.scale(1.0 / Math.max(1, t - 1), sum);
                DMatrixRMaj et = embed(s, q, t);
                DMatrixRMaj kqe = new DMatrixRMaj(3 * d, 1);
                CommonOps_DDRM.mult(kq, et, kqe);
                DMatrixRMaj attn = new DMatrixRMaj(3 * d, 1);
                CommonOps_DDRM.mult(sum, kqe, attn);
                DMatrixRMaj f = new DMatrixRMaj(3 * d, 1);
                CommonOps_DDRM.mult(pv, attn, f);
                CommonOps_DDRM.addEquals(f, et);
                for (int j = 0; j < d; j++) {
                    out[q][t - 1][j] = f.get(j, 0);
                }
            }
        }
        return out;
    }

    private static DMatrixRMaj embed(SequenceSet s, int q, int t) {
        int d = s.d();
        DMatrixRMaj e = new DMatrixRMaj(3 * d, 1);
        for (int j = 0; j < d; j++) {
            e.set(d + j, 0, s.at(q, t, j));
            e.set(2 * d + j, 0, t > 1 ? s.at(q, t - 1, j) : 0);
        }
        return e;
    }

    private static double relMaxDiff(double[][][] a, double[][][] b) {
        double diff = 0;
        double scale = 0;
        for (int q = 0; q < a.length; q++) {
            for (int t = 0; t < a[q].length; t++) {
                for (int j = 0; j < a[q][t].length; j++) {
                    diff = Math.max(diff, Math.abs(a[q][t][j] - b[q][t][j]));
                    scale = Math.max(scale, Math.abs(b[q][t][j]));
                }
            }
        }
        return diff / scale;
    }

    @Test
    void forwardMatchesTheFullLayerOverTheEmbedding() {
        SequenceSet s = sequences(6, 3);
        CausalAttentionWeights w = CausalAttentionWeights.random(D, 0.5, 11);
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            double[][][] model = new LinearCausalSelfAttention("m", w, m).predict(s);
            double[][][] ref = reference(w, s);
            assertTrue(relMaxDiff(model, ref) <= FLOAT32_TOL, "model vs EJML: " + relMaxDiff(model, ref));
            for (int q = 0; q < s.count(); q++) {
                assertArrayEquals(new double[D], model[q][0], 0.0, "position 1 has no context pair");
            }
        }
    }

    @Test
    void changingALaterTokenLeavesEarlierPredictionsUnchanged() {
        SequenceSet s = sequences(3, 5);
        double[] changed = s.tokens().clone();
        int k = 6; // change x_6 in every sequence
        for (int q = 0; q < s.count(); q++) {
            for (int j = 0; j < D; j++) {
                changed[(q * (s.length() + 1) + k - 1) * D + j] += 3.0 + j;
            }
        }
        SequenceSet t = new SequenceSet(D, s.length(), changed, s.transitions());
        CausalAttentionWeights w = CausalAttentionWeights.random(D, 0.5, 2);
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            LinearCausalSelfAttention model = new LinearCausalSelfAttention("m", w, m);
            double[][][] a = model.predict(s);
            double[][][] b = model.predict(t);
            for (int q = 0; q < s.count(); q++) {
                for (int pos = 1; pos < k; pos++) {
                    assertArrayEquals(a[q][pos - 1], b[q][pos - 1], 0.0, "position " + pos + " sees only x_1..x_"
                            + pos);
                }
                double moved = 0;
                for (int j = 0; j < D; j++) {
                    moved += Math.abs(a[q][k - 1][j] - b[q][k - 1][j]);
                }
                assertTrue(moved > 1e-3, "position " + k + " does see x_" + k);
            }
        }
    }

    @Test
    void constructionsEqualTheirOraclesAtEveryPosition() {
        SequenceSet s = sequences(50, 8);
        double eta = 0.37;
        DMatrixRMaj a = new DMatrixRMaj(new double[][] {{1.2, 0.1, 0, 0}, {0, 0.9, 0, 0}, {0, 0, 1, 0.2},
                {0, 0, 0, 0.8}});
        DMatrixRMaj b = new DMatrixRMaj(new double[][] {{0.3, 0, 0, 0}, {0.05, 0.2, 0, 0}, {0, 0, 0.4, 0},
                {0, 0, 0, 0.1}});
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            double[][][] gd = new LinearCausalSelfAttention("c", CausalAttentionWeights.oneStepGd(D, eta), m)
                    .predict(s);
            assertTrue(relMaxDiff(gd, MesaOptimizerOracle.oneStep(eta).predict(s)) <= FLOAT32_TOL);
            double[][][] pre = new LinearCausalSelfAttention("c", CausalAttentionWeights.preconditioned(a, b), m)
                    .predict(s);
            assertTrue(relMaxDiff(pre, MesaOptimizerOracle.preconditioned("p", a, b).predict(s)) <= FLOAT32_TOL);
        }
        // the oracle by hand at one position: Ŵ_t = (η/(t−1)) Σ_{i<t} x_{i+1} x_iᵀ
        int t = 5;
        double[] hand = new double[D];
        for (int i = 1; i < t; i++) {
            double dot = 0;
            for (int j = 0; j < D; j++) {
                dot += s.at(2, i, j) * s.at(2, t, j);
            }
            for (int j = 0; j < D; j++) {
                hand[j] += eta / (t - 1) * s.at(2, i + 1, j) * dot;
            }
        }
        assertArrayEquals(hand, MesaOptimizerOracle.oneStep(eta).predict(s)[2][t - 1], DOUBLE_TOL);
    }

    @Test
    void leastSquaresRecoversWAndTheFitterRecoversTheStep() {
        SequenceSet s = new SequenceSampler(SequenceTaskConfig.isotropic(D, 9, TransitionClass.ORTHOGONAL))
                .sample(20, 4);
        double[][][] ols = MesaOptimizerOracle.leastSquares().predict(s);
        double[][][] truth = MesaOptimizerOracle.trueTransition().predict(s);
        for (int q = 0; q < s.count(); q++) {
            for (int t = D + 2; t <= s.length(); t++) { // t − 1 ≥ d + 1 pairs: W is determined
                assertArrayEquals(truth[q][t - 1], ols[q][t - 1], 1e-8, "OLS = W x_t once W is determined");
            }
        }
        double eta = 0.21;
        assertEquals(eta, MesaStepFitter.step(s, MesaOptimizerOracle.oneStep(eta).predict(s)), DOUBLE_TOL);
        DMatrixRMaj gamma = new DMatrixRMaj(new double[][] {{0.3, 0, 0, 0}, {0, 0.2, 0.05, 0}, {0, 0, 0.1, 0},
                {0, 0, 0, 0.25}});
        DMatrixRMaj[] fit = MesaStepFitter.preconditioned(s,
                MesaOptimizerOracle.preconditioned("p", CommonOps_DDRM.identity(D), gamma).predict(s), true);
        for (int i = 0; i < D * D; i++) {
            assertEquals(gamma.data[i], fit[1].data[i], 1e-8, "fitted Γ");
        }
    }

    @Test
    void trainingIsDeterministicAndLowersTheLoss() {
        SequenceSampler sampler = new SequenceSampler(SequenceTaskConfig.isotropic(D, 9, TransitionClass.ORTHOGONAL));
        TrainConfig cfg = new TrainConfig(60, 32, 1e-2, 0.9, 0.999, 1e-8, 0.0, TrainConfig.CONSTANT, 0, 0.0, 5L, 0,
                null);
        CausalAttentionTrainer.State a;
        CausalAttentionTrainer.State b;
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            a = new CausalAttentionTrainer(m, CausalAttentionWeights.identityStart(D, 1.0), sampler, cfg)
                    .run((k, l, lr) -> { });
        }
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            b = new CausalAttentionTrainer(m, CausalAttentionWeights.identityStart(D, 1.0), sampler, cfg)
                    .run((k, l, lr) -> { });
        }
        assertEquals(a.weights(), b.weights(), "same config and seed: bitwise the same weights");
        assertArrayEquals(a.losses(), b.losses(), 0f);
        float first = a.losses()[0];
        float last = (a.losses()[57] + a.losses()[58] + a.losses()[59]) / 3;
        assertTrue(last < 0.8 * first, "the loss falls: " + first + " → " + last);
    }
}
