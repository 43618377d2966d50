package org.descent.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import org.descent.compare.AlgorithmDistances;
import org.descent.model.LsaRegressor;
import org.descent.task.PromptSet;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;

/**
 * {@link AlgorithmDistances} (package org.descent.compare) on algorithms with known answers. Kept with the oracle
 * tests because every case is built from oracles and constructions.
 */
class AlgorithmDistancesTest {
    private static final double EXACT = 1e-12;
    /** R² of an exact one-step PGD fitted on its own features: 1 up to rounding of the normal equations. */
    private static final double R2_EXACT = 1e-10;
    private static final double RECOVERY = 1e-8;
    private static final PromptSet PROMPTS = TestPrompts.linear(4, 6, 600, null, 0.2, 61);

    @Test
    void distanceToIdentity() {
        DMatrixRMaj m = CommonOps_DDRM.identity(5);
        CommonOps_DDRM.scale(-2.7, m);
        assertEquals(0.0, AlgorithmDistances.distanceToIdentity(m), EXACT, "Dist(αI, I) = 0");
        DMatrixRMaj diag = CommonOps_DDRM.diag(1, -1);
        assertEquals(1.0, AlgorithmDistances.distanceToIdentity(diag), EXACT, "Dist(diag(1, −1), I) = 1");
        DMatrixRMaj d2 = CommonOps_DDRM.diag(1, 3);
        // α = 2, ‖diag(−1, 1)‖ / ‖diag(1, 3)‖ = √2 / √10
        assertEquals(Math.sqrt(0.2), AlgorithmDistances.distanceToIdentity(d2), EXACT);
        assertThrows(IllegalArgumentException.class, () -> AlgorithmDistances.distanceToIdentity(new DMatrixRMaj(2, 2)));
    }

    @Test
    void spdIsTheMeanSquaredPredictionDifference() {
        GradientDescentOracle a = GradientDescentOracle.oneStep(0.5);
        GradientDescentOracle b = GradientDescentOracle.oneStep(1.0);
        assertEquals(0.0, AlgorithmDistances.spd(a, a, PROMPTS), EXACT);
        double[] pa = a.predict(PROMPTS);
        double expected = 0; // ŷ_b = 2 ŷ_a
        for (double p : pa) {
            expected += p * p;
        }
        expected /= pa.length;
        assertEquals(expected, AlgorithmDistances.spd(a, b, PROMPTS), EXACT * expected);
    }

    @Test
    void ilwdOfPreconditionedStepsIsTheirWeightDifference() {
        // PGD(Γ) is linear in the query with implicit weight Γh, so ILWD = mean ‖(Γ1 − Γ2) h‖²
        DMatrixRMaj g1 = TestPrompts.randomMatrix(4, 0.5, 62);
        DMatrixRMaj g2 = TestPrompts.randomMatrix(4, 0.5, 63);
        double[][] probes = AlgorithmDistances.probesFromQueries(TestPrompts.linear(4, 6, 12, null, 0, 64), 12);
        double ilwd = AlgorithmDistances.ilwd(GradientDescentOracle.preconditioned(g1),
                GradientDescentOracle.preconditioned(g2), PROMPTS, probes);
        DMatrixRMaj diff = new DMatrixRMaj(4, 4);
        CommonOps_DDRM.subtract(g1, g2, diff);
        double expected = 0;
        for (int b = 0; b < PROMPTS.size(); b++) {
            DMatrixRMaj h = DMatrixRMaj.wrap(4, 1, PgdFeatureRegression.contextMean(PROMPTS, b));
            DMatrixRMaj w = new DMatrixRMaj(4, 1);
            CommonOps_DDRM.mult(diff, h, w);
            expected += CommonOps_DDRM.dot(w, w);
        }
        expected /= PROMPTS.size();
        assertEquals(expected, ilwd, 1e-10 * expected, "ILWD of two PGD steps");
        assertEquals(0.0, AlgorithmDistances.ilwd(LeastSquaresOracle.ols(), LeastSquaresOracle.ols(), PROMPTS,
                probes), EXACT);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AlgorithmDistances.ilwd(
                LeastSquaresOracle.ols(), LeastSquaresOracle.ols(), PROMPTS, new double[2][4]));
        assertTrue(e.getMessage().contains("at least d = 4 probe inputs"), e.getMessage());
    }

    @Test
    void implicitWeightsOfOlsAreItsFittedWeights() {
        double[][] probes = AlgorithmDistances.probesFromQueries(TestPrompts.linear(4, 6, 10, null, 0, 65), 10);
        double[][] w = AlgorithmDistances.implicitWeights(LeastSquaresOracle.ols(), PROMPTS, probes);
        double worst = 0;
        for (int b = 0; b < PROMPTS.size(); b++) {
            worst = Math.max(worst, TestPrompts.maxAbsDiff(w[b], LeastSquaresOracle.ols().weights(PROMPTS, b)));
        }
        assertTrue(worst < 1e-9, "implicit OLS weights vs fitted weights: max diff " + worst);
    }

    @Test
    void behaviouralPgdFitRecoversAKnownPreconditioner() {
        DMatrixRMaj gamma = TestPrompts.randomMatrix(4, 0.4, 66);
        AlgorithmDistances.PgdFit oracleFit =
                AlgorithmDistances.pgdFit(GradientDescentOracle.preconditioned(gamma), PROMPTS, gamma);
        assertEquals(1.0, oracleFit.rSquared(), R2_EXACT, "R² of PGD oracle");
        assertTrue(oracleFit.relativeDistance() < RECOVERY, "fitted Γ vs true Γ: relative distance "
                + oracleFit.relativeDistance());
        try (NDManager manager = NDManager.newBaseManager()) {
            LsaRegressor lsa = new LsaRegressor("PGD construction", PreconditionedGdConstruction.weights(gamma),
                    manager);
            AlgorithmDistances.PgdFit lsaFit = AlgorithmDistances.pgdFit(lsa, PROMPTS, gamma);
            assertEquals(1.0, lsaFit.rSquared(), R2_EXACT, "R² of the LSA PGD construction");
            assertTrue(lsaFit.relativeDistance() < RECOVERY, "LSA: relative distance " + lsaFit.relativeDistance());
        }
        // a 2-step GD is not a one-step PGD: R² visibly below 1
        AlgorithmDistances.PgdFit twoStep =
                AlgorithmDistances.pgdFit(GradientDescentOracle.steps(0.4, 0.4), PROMPTS, null);
        assertTrue(twoStep.rSquared() < 0.999, "2-step GD fitted as one PGD step: R² " + twoStep.rSquared());
        assertTrue(Double.isNaN(twoStep.relativeDistance()));
    }
}
