package org.descent.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.descent.task.PromptSet;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;

/**
 * Ridge: the solver in {@link LeastSquaresOracle} against the SVD closed form, the λ parametrisation, recovery of λ
 * from ridge targets, and the Bayes λ = σ²/ω.
 */
class RidgeFitterTest {
    /** Cholesky solver vs SVD closed form, max|a − b| / max|b|. */
    private static final double REFERENCE_TOLERANCE = 1e-10;
    /** Recovered λ vs the generating λ, relative. */
    private static final double LAMBDA_RECOVERY = 1e-6;
    /** MSE of an exact recovery, relative to the mean squared target (observed ~1e-25). */
    private static final double EXACT_FIT_MSE = 1e-20;
    /** The fitter's spectral MSE vs the oracle's MSE at the fitted λ, relative. */
    private static final double SAME_MSE = 1e-10;
    /** λ fitted to noisy true labels lies within this factor of the Bayes λ (B = 8,000: ±15% over seeds). */
    private static final double BAYES_FACTOR = 1.5;

    private static final PromptSet WIDE = TestPrompts.linear(5, 12, 300, null, 0.3, 91); // N > d
    private static final PromptSet SQUARE = TestPrompts.linear(10, 10, 1000, null, 0.0, 92); // N = d
    private static final PromptSet RANK_DEFICIENT = TestPrompts.linear(8, 5, 300, null, 0.2, 93); // N < d

    private static double maxAbs(double[][] rows) {
        double m = 0;
        for (double[] r : rows) {
            m = Math.max(m, TestPrompts.maxAbs(r));
        }
        return m;
    }

    /** The same prompts with every label (context and target) multiplied by {@code factor}. */
    private static PromptSet scaleLabels(PromptSet p, double factor) {
        double[] tokens = p.flatTokens();
        int dim = p.d() + 1;
        for (int row = 0; row < tokens.length / dim; row++) {
            tokens[row * dim + p.d()] *= factor;
        }
        double[] targets = p.targets();
        for (int b = 0; b < targets.length; b++) {
            targets[b] *= factor;
        }
        return new PromptSet(p.d(), p.n(), tokens, targets);
    }

    @Test
    void solverMatchesTheSvdClosedForm() {
        for (PromptSet p : new PromptSet[] {WIDE, SQUARE.head(200), RANK_DEFICIENT}) {
            for (double lambda : new double[] {1e-3, 0.25, 1.0, 10.0, 1e3}) {
                String what = "N=" + p.n() + " d=" + p.d() + " λ=" + lambda;
                double[] a = LeastSquaresOracle.ridge(lambda).predict(p);
                double[] b = SpectralReference.ridge(lambda).predict(p);
                double diff = TestPrompts.maxAbsDiff(a, b);
                assertTrue(diff <= REFERENCE_TOLERANCE * TestPrompts.maxAbs(b), what + ": predictions differ by "
                        + diff);
                double[][] ja = LeastSquaresOracle.ridge(lambda).queryJacobians(p);
                double[][] jb = SpectralReference.ridge(lambda).queryJacobians(p);
                double jdiff = TestPrompts.maxAbsDiff(ja, jb);
                assertTrue(jdiff <= REFERENCE_TOLERANCE * maxAbs(jb), what + ": Jacobians differ by " + jdiff);
            }
        }
    }

    @Test
    void lambdaPenalisesTheSumOfSquaresNotTheMean() {
        // (XᵀX + λI)⁻¹Xᵀy = (S + (λ/N) I)⁻¹h with S = XᵀX/N, h = Xᵀy/N
        double lambda = 0.8;
        int d = WIDE.d();
        for (int b = 0; b < 20; b++) {
            DMatrixRMaj a = IterativeNewtonOracle.covariance(WIDE, b);
            for (int k = 0; k < d; k++) {
                a.add(k, k, lambda / WIDE.n());
            }
            DMatrixRMaj w = new DMatrixRMaj(d, 1);
            assertTrue(CommonOps_DDRM.solve(a, IterativeNewtonOracle.moment(WIDE, b), w));
            double[] solver = LeastSquaresOracle.ridge(lambda).weights(WIDE, b);
            assertTrue(TestPrompts.maxAbsDiff(solver, w.getData()) <= REFERENCE_TOLERANCE * TestPrompts.maxAbs(solver),
                    "prompt " + b);
        }
        RidgeFitter.Fit f = RidgeFitter.fit(WIDE, LeastSquaresOracle.ridge(lambda).predict(WIDE));
        assertEquals(lambda / WIDE.n(), f.meanNormalisedLambda(WIDE.n()), LAMBDA_RECOVERY * lambda / WIDE.n());
    }

    @Test
    void recoversTheRidgePenalty() {
        for (PromptSet p : new PromptSet[] {SQUARE, RANK_DEFICIENT}) {
            for (double lambda : new double[] {0.01, 0.7, 25.0}) {
                double[] targets = LeastSquaresOracle.ridge(lambda).predict(p);
                RidgeFitter.Fit f = RidgeFitter.fit(p, targets);
                String what = "N=" + p.n() + " d=" + p.d() + " λ=" + lambda + ": " + f;
                assertEquals(lambda, f.lambda(), LAMBDA_RECOVERY * lambda, what);
                assertFalse(f.atBracketEdge(), what);
                assertTrue(f.mse() <= EXACT_FIT_MSE * TestPrompts.mse(targets, new double[targets.length]), what);
            }
        }
    }

    @Test
    void fittedMseIsTheOracleMse() {
        double[] targets = GradientDescentOracle.oneStep(0.5).predict(SQUARE);
        RidgeFitter.Fit f = RidgeFitter.fit(SQUARE, targets);
        double oracle = TestPrompts.mse(f.toOracle().predict(SQUARE), targets);
        assertEquals(oracle, f.mse(), SAME_MSE * oracle, f.toString());
        assertEquals(f, RidgeFitter.fit(SQUARE, targets), "deterministic");
    }

    @Test
    void leastSquaresTargetsSitAtTheLowerEdge() {
        RidgeFitter.Fit f = RidgeFitter.fit(SQUARE, LeastSquaresOracle.ols().predict(SQUARE));
        assertTrue(f.atBracketEdge() && f.lambda() == f.lambdaLower(), f.toString());
    }

    @Test
    void bayesLambdaIsNoiseVarianceOverPriorVariance() {
        double sigma = 1.0;
        double omega = 4.0;
        assertEquals(0.25, LeastSquaresOracle.bayesLambda(sigma, omega), 0.0);
        // w ~ N(0, ωI), noise σ: scale labels of w ~ N(0, I), noise σ/√ω, by √ω
        PromptSet fitting = scaleLabels(TestPrompts.linear(5, 10, 8_000, null, sigma / Math.sqrt(omega), 94),
                Math.sqrt(omega));
        PromptSet heldOut = scaleLabels(TestPrompts.linear(5, 10, 8_000, null, sigma / Math.sqrt(omega), 95),
                Math.sqrt(omega));
        double bayes = LeastSquaresOracle.bayesLambda(sigma, omega);
        RidgeFitter.Fit f = RidgeFitter.fit(fitting, fitting.targets());
        assertTrue(f.lambda() <= BAYES_FACTOR * bayes && f.lambda() >= bayes / BAYES_FACTOR, "λ fitted to labels "
                + f.lambda() + " vs Bayes " + bayes);
        double atBayes = TestPrompts.mse(LeastSquaresOracle.ridge(bayes).predict(heldOut), heldOut.targets());
        for (double other : new double[] {bayes / 4, 4 * bayes, 4 * bayes * omega}) {
            double mse = TestPrompts.mse(LeastSquaresOracle.ridge(other).predict(heldOut), heldOut.targets());
            assertTrue(atBayes < mse, "held-out MSE at Bayes λ " + atBayes + " not below λ=" + other + ": " + mse);
        }
    }

    @Test
    void rejectsBadInput() {
        assertThrows(IllegalArgumentException.class, () -> LeastSquaresOracle.bayesLambda(1.0, 0.0));
        assertThrows(IllegalArgumentException.class, () -> LeastSquaresOracle.bayesLambda(-1.0, 1.0));
        assertThrows(IllegalArgumentException.class, () -> SpectralReference.ridge(0.0));
        assertThrows(IllegalArgumentException.class, () -> RidgeFitter.fit(SQUARE, new double[3]));
    }
}
