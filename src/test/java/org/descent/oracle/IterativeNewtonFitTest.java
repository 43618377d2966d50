package org.descent.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.descent.task.PromptSet;
import org.junit.jupiter.api.Test;

/** Fitting (k, α) of iterative Newton to given targets: recovery, agreement with the oracle, a negative control. */
class IterativeNewtonFitTest {
    /** Recovered α vs the generating α, relative. */
    private static final double ALPHA_RECOVERY = 1e-6;
    /** MSE of an exact recovery, relative to the mean squared target (observed ~1e-28). */
    private static final double EXACT_FIT_MSE = 1e-20;
    /** The fitter's spectral MSE vs the oracle's MSE at the fitted parameters, relative. */
    private static final double SAME_MSE = 1e-10;
    /** A GD step is not Newton: relative MSE of every fit stays above this (observed ≥ 0.083 at d = N = 10). */
    private static final double GD_IS_NOT_NEWTON = 0.04;
    private static final int MAX_K = 5;

    private static final PromptSet SQUARE = TestPrompts.linear(10, 10, 1000, null, 0.0, 81); // d = N = 10
    private static final PromptSet RANK_DEFICIENT = TestPrompts.linear(10, 6, 1000, null, 0.1, 82); // N < d

    private static double meanSquare(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x * x;
        }
        return s / v.length;
    }

    private static void assertRecovers(PromptSet prompts, int k, double fraction) {
        double alpha = fraction * IterativeNewtonOracle.stableAlphaBound(prompts);
        double[] targets = IterativeNewtonOracle.of(k, alpha).predict(prompts);
        IterativeNewtonOracle.Fits fits = IterativeNewtonOracle.fit(prompts, targets, MAX_K);
        String what = "N=" + prompts.n() + " d=" + prompts.d() + " k=" + k + " α=" + alpha + ": " + fits.best();
        assertEquals(k, fits.best().iterations(), what);
        assertEquals(alpha, fits.best().alpha(), ALPHA_RECOVERY * alpha, what);
        assertTrue(fits.best().mse() <= EXACT_FIT_MSE * meanSquare(targets), what);
        assertFalse(fits.best().atBracketEdge(), what);
        for (IterativeNewtonOracle.Fit f : fits.perIteration()) {
            if (f.iterations() != k) {
                assertTrue(f.mse() > 1e6 * fits.best().mse(), "k=" + f.iterations() + " fits as well as the truth: "
                        + f + " vs " + fits.best());
            }
        }
    }

    @Test
    void recoversIterationsAndAlpha() {
        assertRecovers(SQUARE, 0, 0.4);
        assertRecovers(SQUARE, 1, 0.6);
        assertRecovers(SQUARE, 3, 0.3);
        assertRecovers(SQUARE, 5, 0.02);
    }

    @Test
    void recoversOnRankDeficientPrompts() {
        assertRecovers(RANK_DEFICIENT, 2, 0.5);
        assertRecovers(RANK_DEFICIENT, 4, 0.1);
    }

    @Test
    void fittedMseIsTheOracleMse() {
        double[] targets = GradientDescentOracle.oneStep(0.5).predict(SQUARE);
        for (IterativeNewtonOracle.Fit f : IterativeNewtonOracle.fit(SQUARE, targets, MAX_K).perIteration()) {
            double oracle = TestPrompts.mse(f.toOracle().predict(SQUARE), targets);
            assertEquals(oracle, f.mse(), SAME_MSE * oracle, "k=" + f.iterations());
        }
    }

    @Test
    void oneGdStepIsNotFittedWellByNewton() {
        double eta = SQUARE.n() / (SQUARE.n() + SQUARE.d() + 1.0); // Gaussian η*
        double[] targets = GradientDescentOracle.oneStep(eta).predict(SQUARE);
        IterativeNewtonOracle.Fits fits = IterativeNewtonOracle.fit(SQUARE, targets, MAX_K);
        double scale = meanSquare(targets);
        for (IterativeNewtonOracle.Fit f : fits.perIteration()) {
            assertTrue(f.mse() / scale > GD_IS_NOT_NEWTON, "GD(η*) fitted by " + f + ", relative MSE "
                    + f.mse() / scale);
        }
        // for few iterations the best α wants to exceed the stable bound: reported, not hidden
        assertTrue(fits.forIterations(0).atBracketEdge(), fits.forIterations(0).toString());
    }

    @Test
    void searchesTheStableBracketDeterministically() {
        double[] targets = IterativeNewtonOracle.of(2, 0.2 * IterativeNewtonOracle.stableAlphaBound(SQUARE))
                .predict(SQUARE);
        IterativeNewtonOracle.Fits a = IterativeNewtonOracle.fit(SQUARE, targets, MAX_K);
        IterativeNewtonOracle.Fits b = IterativeNewtonOracle.fit(SQUARE, targets, MAX_K);
        assertEquals(a, b, "fits differ between runs");
        assertEquals(IterativeNewtonOracle.stableAlphaBound(SQUARE), a.alphaUpper());
        assertEquals(MAX_K + 1, a.perIteration().size());
        for (IterativeNewtonOracle.Fit f : a.perIteration()) {
            assertTrue(f.alpha() >= a.alphaLower() && f.alpha() <= a.alphaUpper(), f.toString());
        }
    }

    @Test
    void rejectsBadInput() {
        double[] targets = SQUARE.targets();
        assertThrows(IllegalArgumentException.class, () -> IterativeNewtonOracle.fit(SQUARE, targets, -1));
        assertThrows(IllegalArgumentException.class,
                () -> IterativeNewtonOracle.fit(SQUARE, new double[SQUARE.size() - 1], 2));
        double[] bad = targets.clone();
        bad[3] = Double.NaN;
        assertThrows(IllegalArgumentException.class, () -> IterativeNewtonOracle.fit(SQUARE, bad, 2));
    }
}
