package org.descent.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.descent.task.PromptSet;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;

/** Per-step fits: agree with the one-step line search, improve on simpler algorithms, sit at a local minimum. */
class StepSizeFitterTest {
    /** Two minimisers of the same empirical quadratic (Brent vs Brent): agreement to this relative error. */
    private static final double SAME_MINIMISER = 1e-6;
    /** Slack for "no worse than" comparisons between optimiser results. */
    private static final double LOSS_SLACK = 1e-9;
    private static final PromptSet PROMPTS = TestPrompts.linear(5, 10, 4000, null, 0.0, 41);

    @Test
    void oneStepFitIsTheLineSearch() {
        StepSizeFitter.Fit fit = StepSizeFitter.gd(PROMPTS, 1);
        OptimalStepSize.Estimate line = OptimalStepSize.lineSearch(PROMPTS);
        assertEquals(line.eta(), fit.etas()[0], SAME_MINIMISER * line.eta(), "1-step fit vs line search");
        assertEquals(line.mse(), fit.mse(), SAME_MINIMISER * line.mse(), "MSE at the fitted step");
    }

    @Test
    void twoStepFitIsALocalMinimumBelowTiedSteps() {
        StepSizeFitter.Fit fit = StepSizeFitter.gd(PROMPTS, 2);
        double[] e = fit.etas();
        StepSizeFitter.LossSurface surface = StepSizeFitter.lossSurface(PROMPTS);
        // its MSE is the oracle's MSE
        double oracle = TestPrompts.mse(fit.toOracle().predict(PROMPTS), PROMPTS.targets());
        assertEquals(oracle, fit.mse(), 1e-10 * oracle, "fitted MSE vs oracle MSE");
        // no coordinate perturbation improves it
        for (int i = 0; i < e.length; i++) {
            for (double rel : new double[] {-1e-3, 1e-3}) {
                double[] p = e.clone();
                p[i] *= 1 + rel;
                double m = surface.mse(p, new double[2]);
                assertTrue(m >= fit.mse() - LOSS_SLACK, "perturbing η_" + (i + 1) + " by " + rel + " lowers MSE "
                        + fit.mse() + " to " + m + " (η = " + java.util.Arrays.toString(e) + ")");
            }
        }
        // two steps beat one, and the best two equal steps
        double one = StepSizeFitter.gd(PROMPTS, 1).mse();
        double bestTied = Double.POSITIVE_INFINITY;
        for (double eta = 0.05; eta < 2.0; eta += 0.005) {
            bestTied = Math.min(bestTied, surface.mse(new double[] {eta, eta}, new double[2]));
        }
        assertTrue(fit.mse() < one, "2-step MSE " + fit.mse() + " not below 1-step " + one);
        assertTrue(fit.mse() <= bestTied + LOSS_SLACK, "2-step fit " + fit.mse() + " worse than tied steps "
                + bestTied);
    }

    @Test
    void gdPlusPlusIsNoWorseThanGd() {
        StepSizeFitter.Fit gd = StepSizeFitter.gd(PROMPTS, 3);
        StepSizeFitter.Fit gpp = StepSizeFitter.gdPlusPlus(PROMPTS, 3);
        assertEquals("GD++", gpp.algorithm());
        assertEquals(0.0, gpp.gammas()[2], "γ_K is fixed at 0");
        double[] e = gpp.etas();
        StepSizeFitter.LossSurface surface = StepSizeFitter.lossSurface(PROMPTS);
        assertEquals(gpp.mse(), surface.mse(e, gpp.gammas()), 1e-14 * gpp.mse(), "loss surface at the fit");
        assertTrue(gpp.mse() <= gd.mse() + LOSS_SLACK, "GD++ fit " + gpp.mse() + " worse than GD fit " + gd.mse());
        double oracle = TestPrompts.mse(gpp.toOracle().predict(PROMPTS), PROMPTS.targets());
        assertEquals(oracle, gpp.mse(), 1e-10 * oracle, "fitted GD++ MSE vs oracle MSE");
    }

    @Test
    void preconditionedFitWithIdentityIsTheGdFit() {
        StepSizeFitter.Fit gd = StepSizeFitter.gd(PROMPTS, 2);
        StepSizeFitter.Fit pgd = StepSizeFitter.preconditionedGd(PROMPTS, CommonOps_DDRM.identity(5), 2);
        assertEquals(gd.mse(), pgd.mse(), 1e-7 * gd.mse(), "PGD(Γ = I) fit vs GD fit");
        DMatrixRMaj half = CommonOps_DDRM.identity(5);
        CommonOps_DDRM.scale(0.5, half);
        StepSizeFitter.Fit scaled = StepSizeFitter.preconditionedGd(PROMPTS, half, 2);
        assertEquals(gd.mse(), scaled.mse(), 1e-7 * gd.mse(), "PGD(Γ = I/2) reaches the same MSE");
        double[] sorted = gd.etas();
        java.util.Arrays.sort(sorted);
        double[] doubled = scaled.etas();
        java.util.Arrays.sort(doubled);
        for (int i = 0; i < 2; i++) {
            assertEquals(2 * sorted[i], doubled[i], 1e-4 * sorted[i], "η with Γ = I/2 is twice η with Γ = I");
        }
    }
}
