package org.descent.oracle;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.descent.task.PromptSet;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;

/** The explicit GD++ oracle against plain GD, finite differences, and the fitter's sufficient statistics. */
class GdPlusPlusOracleTest {
    private static final double EXACT = 1e-12;
    /** Central finite differences of a function linear in x_q: only rounding error remains. */
    private static final double FINITE_DIFFERENCE = 1e-7;
    private static final PromptSet PROMPTS = TestPrompts.linear(4, 7, 200, null, 0.2, 31);

    @Test
    void zeroCorrectionIsMultiStepGd() {
        double[] etas = {0.3, 0.7, 0.5};
        double[] a = GdPlusPlusOracle.of(etas, new double[3]).predict(PROMPTS);
        double[] b = GradientDescentOracle.steps(etas).predict(PROMPTS);
        double diff = TestPrompts.maxAbsDiff(a, b);
        assertTrue(diff < EXACT * TestPrompts.maxAbs(b), "GD++ with γ = 0 vs K-step GD: max diff " + diff);
    }

    @Test
    void lastLayerCorrectionDoesNotMatter() {
        double[] etas = {0.3, 0.7};
        double[] a = GdPlusPlusOracle.of(etas, new double[] {0.2, 0.0}).predict(PROMPTS);
        double[] b = GdPlusPlusOracle.of(etas, new double[] {0.2, 5.0}).predict(PROMPTS);
        double diff = TestPrompts.maxAbsDiff(a, b);
        assertTrue(diff < EXACT * TestPrompts.maxAbs(b), "γ_K changed predictions: max diff " + diff);
    }

    @Test
    void queryJacobianMatchesFiniteDifferences() {
        GdPlusPlusOracle oracle = GdPlusPlusOracle.of(new double[] {0.4, 0.6, 0.5}, new double[] {0.2, 0.1, 0});
        PromptSet few = PROMPTS.head(20);
        double[][] jac = oracle.queryJacobians(few);
        int d = few.d();
        int per = (few.n() + 1) * (d + 1);
        double h = 1e-4;
        double worst = 0;
        for (int k = 0; k < d; k++) {
            double[] plus = few.flatTokens();
            double[] minus = few.flatTokens();
            for (int b = 0; b < few.size(); b++) {
                plus[b * per + few.n() * (d + 1) + k] += h;
                minus[b * per + few.n() * (d + 1) + k] -= h;
            }
            double[] yp = oracle.predict(new PromptSet(d, few.n(), plus, few.targets()));
            double[] ym = oracle.predict(new PromptSet(d, few.n(), minus, few.targets()));
            for (int b = 0; b < few.size(); b++) {
                worst = Math.max(worst, Math.abs((yp[b] - ym[b]) / (2 * h) - jac[b][k]));
            }
        }
        assertTrue(worst < FINITE_DIFFERENCE, "GD++ ∂ŷ/∂x_q vs finite differences: max diff " + worst);
    }

    @Test
    void sufficientStatisticsGiveTheOracleMse() {
        double[] etas = {0.4, 0.9, 0.3};
        double[] gammas = {0.12, -0.05, 0.0};
        double oracle = TestPrompts.mse(GdPlusPlusOracle.of(etas, gammas).predict(PROMPTS), PROMPTS.targets());
        double fast = StepSizeFitter.mse(PROMPTS, etas, gammas);
        assertTrue(Math.abs(oracle - fast) < 1e-10 * oracle, "MSE from sufficient statistics " + fast
                + " vs oracle " + oracle);
    }

    @Test
    void badParametersAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GdPlusPlusOracle.of(new double[] {0.1, 0.2}, new double[] {0.1}));
        assertTrue(e.getMessage().contains("one η and one γ per layer"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> GdPlusPlusConstruction.layer(3, Double.NaN, 0));
        assertThrows(IllegalArgumentException.class,
                () -> PreconditionedGdConstruction.layer(new DMatrixRMaj(2, 3), 1.0));
    }
}
