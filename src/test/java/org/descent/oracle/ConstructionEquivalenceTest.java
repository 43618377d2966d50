package org.descent.oracle;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.util.List;
import org.descent.model.LsaLayerWeights;
import org.descent.model.LsaRegressor;
import org.descent.model.LsaWeights;
import org.descent.regressor.QuerySensitivity;
import org.descent.task.PromptSet;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every LSA weight construction, loaded into {@link LsaRegressor} (DJL, float64), computes the same function as its
 * explicit EJML oracle: predictions and query Jacobians.
 */
class ConstructionEquivalenceTest {
    /** Relative tolerance of float64 LSA vs EJML oracle: max|a − b| / max|b|. */
    private static final double RELATIVE_TOLERANCE = 1e-9;
    private static final int D = 5;
    private static final int N = 8;
    private static final int PROMPTS = 300;

    private static NDManager manager;
    private static PromptSet prompts;

    @BeforeAll
    static void setUp() {
        manager = NDManager.newBaseManager();
        // anisotropic inputs with a non-trivial factor, N != d, some label noise
        DMatrixRMaj factor = TestPrompts.randomMatrix(D, 0.6, 11);
        for (int k = 0; k < D; k++) {
            factor.add(k, k, 1.0);
        }
        prompts = TestPrompts.linear(D, N, PROMPTS, factor, 0.3, 12);
    }

    @AfterAll
    static void tearDown() {
        manager.close();
    }

    private static void assertSameFunction(String what, LsaWeights construction, QuerySensitivity oracle) {
        LsaRegressor lsa = new LsaRegressor(what, construction, manager);
        double[] a = lsa.predict(prompts);
        double[] b = oracle.predict(prompts);
        double diff = TestPrompts.maxAbsDiff(a, b);
        double scale = TestPrompts.maxAbs(b);
        assertTrue(diff <= RELATIVE_TOLERANCE * scale, what + ": predictions differ, max |LSA − oracle| = " + diff
                + " (scale " + scale + ")");
        double[][] ja = lsa.queryJacobians(prompts);
        double[][] jb = oracle.queryJacobians(prompts);
        double jdiff = TestPrompts.maxAbsDiff(ja, jb);
        double jscale = 0;
        for (double[] row : jb) {
            jscale = Math.max(jscale, TestPrompts.maxAbs(row));
        }
        assertTrue(jdiff <= RELATIVE_TOLERANCE * jscale, what + ": query Jacobians differ, max diff = " + jdiff
                + " (scale " + jscale + ")");
    }

    @Test
    void oneStepPreconditionedGd() {
        DMatrixRMaj gamma = TestPrompts.randomMatrix(D, 0.3, 21); // not symmetric: exercises the transpose
        assertSameFunction("1-step PGD", PreconditionedGdConstruction.weights(gamma),
                GradientDescentOracle.preconditioned(gamma));
    }

    @Test
    void multiStepGd() {
        double[] etas = {0.35, 0.9, 0.6};
        assertSameFunction("3-step GD", MultiStepGdConstruction.weights(D, etas), GradientDescentOracle.steps(etas));
    }

    @Test
    void weightTiedMultiStepGd() {
        assertSameFunction("tied 4-step GD", MultiStepGdConstruction.tied(D, 0.4, 4),
                GradientDescentOracle.steps(0.4, 0.4, 0.4, 0.4));
    }

    @Test
    void multiStepPreconditionedGd() {
        DMatrixRMaj gamma = TestPrompts.randomMatrix(D, 0.2, 22);
        for (int k = 0; k < D; k++) {
            gamma.add(k, k, 0.5);
        }
        double[] etas = {0.5, 1.2, 0.8};
        assertSameFunction("3-step PGD", PreconditionedGdConstruction.steps(gamma, etas),
                GradientDescentOracle.preconditionedSteps(gamma, etas));
    }

    @Test
    void gdPlusPlus() {
        double[] etas = {0.4, 0.8, 0.6};
        double[] gammas = {0.15, 0.08, 0.3};
        assertSameFunction("3-layer GD++", GdPlusPlusConstruction.weights(D, etas, gammas),
                GdPlusPlusOracle.of(etas, gammas));
    }

    @Test
    void gdPlusPlusWithNegativeCorrection() {
        double[] etas = {0.7, 0.3};
        double[] gammas = {-0.1, 0.5};
        assertSameFunction("2-layer GD++ (γ < 0)", GdPlusPlusConstruction.weights(D, etas, gammas),
                GdPlusPlusOracle.of(etas, gammas));
    }

    @Test
    void effectivePreconditionerOfAGenericLayerPredictsIt() {
        // a layer with arbitrary A = KQ[:d,:d] and v = PV[d,d], all other blocks zero, is PGD with Γ_eff = −v Aᵀ
        int dim = D + 1;
        DMatrixRMaj a = TestPrompts.randomMatrix(D, 0.5, 23);
        DMatrixRMaj kq = new DMatrixRMaj(dim, dim);
        CommonOps_DDRM.insert(a, kq, 0, 0);
        DMatrixRMaj pv = new DMatrixRMaj(dim, dim);
        pv.set(D, D, -0.7);
        LsaLayerWeights layer = LsaLayerWeights.fromProducts(kq, pv);
        EffectivePreconditioner eff = EffectivePreconditioner.of(layer);
        assertSameFunction("generic LSA layer vs PGD(Γ_eff)", LsaWeights.of(List.of(layer)),
                GradientDescentOracle.preconditioned(eff.gamma()));
    }

    @Test
    void fittedStepSizesLoadIntoTheLsa() {
        StepSizeFitter.Fit fit = StepSizeFitter.gdPlusPlus(prompts, 2);
        assertSameFunction("fitted GD++", fit.toConstruction(D), fit.toOracle());
    }
}
