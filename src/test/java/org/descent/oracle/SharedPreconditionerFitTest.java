package org.descent.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.util.List;
import org.descent.model.LsaRegressor;
import org.descent.model.LsaWeights;
import org.descent.task.PromptSet;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.NormOps_DDRM;
import org.junit.jupiter.api.Test;

/**
 * The looped (weight-tied) shared-Γ PGD construction equals the EJML oracle of PGD with that Γ for any number of
 * loops, including more loops than a model was trained with; the shared-Γ fitter recovers a known Γ exactly.
 */
class SharedPreconditionerFitTest {
    private static final int D = 5;
    private static final int N = 12;
    private static final int LOOPS = 3;

    private static DMatrixRMaj gamma() {
        DMatrixRMaj g = TestPrompts.randomMatrix(D, 0.05, 31);
        for (int k = 0; k < D; k++) {
            g.add(k, k, 0.3 + 0.05 * k);
        }
        return g;
    }

    private static PromptSet prompts(int count, long seed) {
        DMatrixRMaj factor = TestPrompts.randomMatrix(D, 0.3, 41);
        for (int k = 0; k < D; k++) {
            factor.add(k, k, 1.0);
        }
        return TestPrompts.linear(D, N, count, factor, 0.1, seed);
    }

    /** An LSA looped L + 2 times from the shared-Γ construction is (L + 2)-step PGD with that Γ, to 1e-8 (float64). */
    @Test
    void loopedConstructionRunLongerEqualsMoreStepsOfPgd() {
        PromptSet p = prompts(300, 5);
        DMatrixRMaj g = gamma();
        try (NDManager m = NDManager.newBaseManager()) {
            for (int loops : new int[] {LOOPS, LOOPS + 2}) {
                LsaWeights w = PreconditionedGdConstruction.looped(g, 1.0, loops);
                assertTrue(w.weightTied() && w.layers().size() == 1, "one shared layer");
                double[] lsa = new LsaRegressor("looped", w, m).predict(p);
                double[] oracle = SharedPreconditionerFit.oracle(g, loops).predict(p);
                double[] stats = SharedPreconditionerFit.predict(p, g, loops);
                double scale = TestPrompts.maxAbs(oracle);
                assertTrue(TestPrompts.maxAbsDiff(lsa, oracle) <= 1e-8 * Math.max(1, scale),
                        loops + " loops: LSA vs oracle " + TestPrompts.maxAbsDiff(lsa, oracle));
                assertTrue(TestPrompts.maxAbsDiff(stats, oracle) <= 1e-10 * Math.max(1, scale),
                        loops + " steps: statistics vs oracle");
                double[][] ja = new LsaRegressor("looped", w, m).queryJacobians(p);
                double[][] jb = SharedPreconditionerFit.oracle(g, loops).queryJacobians(p);
                assertTrue(TestPrompts.maxAbsDiff(ja, jb) <= 1e-8, loops + " loops: Jacobians");
            }
            // the trained-loop extrapolation path: the same weights with a larger depth
            LsaWeights trained = PreconditionedGdConstruction.looped(g, 1.0, LOOPS);
            LsaWeights longer = new LsaWeights(trained.layers(), LOOPS + 2);
            assertTrue(TestPrompts.maxAbsDiff(new LsaRegressor("longer", longer, m).predict(p),
                    SharedPreconditionerFit.oracle(g, LOOPS + 2).predict(p)) <= 1e-8);
        }
    }

    @Test
    void fitRecoversAKnownSharedGamma() {
        PromptSet p = prompts(2000, 6);
        DMatrixRMaj g = gamma();
        double[] r = SharedPreconditionerFit.oracle(g, LOOPS).predict(p);
        SharedPreconditionerFit.Fit fit = SharedPreconditionerFit.fit(p, r, LOOPS, List.of());
        DMatrixRMaj diff = new DMatrixRMaj(D, D);
        CommonOps_DDRM.subtract(fit.gamma(), g, diff);
        double err = NormOps_DDRM.normF(diff) / NormOps_DDRM.normF(g);
        assertTrue(err < 1e-6, "Γ recovered: relative error " + err + ", fit " + fit);
        assertTrue(fit.mse() < 1e-12, "exact fit: " + fit.mse());
        assertEquals(LOOPS, fit.steps());
    }
}
