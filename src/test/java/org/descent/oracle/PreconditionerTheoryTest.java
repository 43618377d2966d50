package org.descent.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import org.descent.task.CovarianceSpec;
import org.descent.task.PromptSet;
import org.descent.task.TaskConfig;
import org.descent.task.TaskSamplers;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.NormOps_DDRM;
import org.junit.jupiter.api.Test;

/**
 * The closed-form Γ* (README, Closed forms) against its special cases, its exact loss, and a Monte-Carlo least-squares
 * fit.
 */
class PreconditionerTheoryTest {
    /** Agreement of two closed forms computed differently (double rounding only). */
    private static final double EXACT = 1e-12;
    /** Monte-Carlo: allowed |Γ̂ − Γ*| in units of the batch-means standard error, per entry. */
    private static final double MAX_STANDARD_ERRORS = 6.0;
    /** Monte-Carlo resolution: ‖standard errors‖_F / ‖Γ*‖_F must be below this for the test to mean anything. */
    private static final double MAX_RELATIVE_RESOLUTION = 0.1;
    /** Power: the best multiple of I (what plain GD can do) must be this many standard errors away somewhere. */
    private static final double MIN_STANDARD_ERRORS_FOR_WRONG_ANSWER = 10.0;

    private static double[] ahnEigenvalues() {
        double[] eig = new double[10];
        for (int k = 1; k <= 10; k++) {
            eig[k - 1] = k / 5.5; // mean 1, condition number 10
        }
        return eig;
    }

    private static TaskConfig anisotropicTask(double noise) {
        return TaskConfig.gaussian(10, 10, CovarianceSpec.ofEigenvalues(ahnEigenvalues(), 2023L), noise);
    }

    @Test
    void generalFormulaWithIsotropicPriorIsTheDesignClosedForm() {
        TaskConfig task = anisotropicTask(0.5);
        DMatrixRMaj general = PreconditionerTheory.optimal(task);
        DMatrixRMaj design = PreconditionerTheory.ahnClosedForm(task.inputCovariance(), task.n(), task.noise());
        double diff = TestPrompts.maxAbsDiff(general, design);
        assertTrue(diff < EXACT, "Γ* = ΩΣG⁻¹ vs ((1+1/N)Σ + (trΣ+σ²)/N I)⁻¹: max diff " + diff);
    }

    @Test
    void inverseCovariancePriorGivesScaledInverse() {
        TaskConfig task = anisotropicTask(0.5).withWeightPrior(TaskConfig.PRIOR_INVERSE_COVARIANCE);
        DMatrixRMaj gamma = PreconditionerTheory.optimal(task);
        DMatrixRMaj expected = new DMatrixRMaj(10, 10);
        CommonOps_DDRM.invert(task.inputCovariance(), expected);
        CommonOps_DDRM.scale(10.0 / (10 + 1 + 10 + 0.25), expected);
        double diff = TestPrompts.maxAbsDiff(gamma, expected);
        assertTrue(diff < 1e-10, "Γ* for w ~ N(0, Σ⁻¹) vs N/(N+1+d+σ²) Σ⁻¹: max diff " + diff);
    }

    @Test
    void isotropicTasksReduceToTheOptimalStepSize() {
        for (TaskConfig task : new TaskConfig[] {TaskConfig.defaults(), TaskConfig.defaults().withNoise(0.4),
                new TaskConfig(6, 20, TaskConfig.GAUSSIAN, 0.7, 0.2), new TaskConfig(3, 5, TaskConfig.UNIFORM, 0.5, 0)}) {
            DMatrixRMaj gamma = PreconditionerTheory.optimal(task);
            double eta = OptimalStepSize.closedForm(task);
            DMatrixRMaj expected = CommonOps_DDRM.identity(task.d());
            CommonOps_DDRM.scale(eta, expected);
            double diff = TestPrompts.maxAbsDiff(gamma, expected);
            assertTrue(diff < EXACT * Math.max(1, eta), task + ": Γ* vs η* I, max diff " + diff);
            double loss = PreconditionerTheory.optimalLoss(task);
            double lossDiff = Math.abs(loss - OptimalStepSize.closedFormMse(task));
            assertTrue(lossDiff < 1e-10, task + ": loss(Γ*) vs closed-form MSE, diff " + lossDiff);
        }
    }

    @Test
    void closedFormIsTheMinimiserOfTheExactLoss() {
        TaskConfig task = anisotropicTask(0.5);
        DMatrixRMaj best = PreconditionerTheory.optimal(task);
        double lossStar = PreconditionerTheory.expectedLoss(task, best);
        DMatrixRMaj direction = TestPrompts.randomMatrix(10, 1.0, 5);
        for (double step : new double[] {-1e-3, 1e-3, 0.05}) {
            DMatrixRMaj other = best.copy();
            CommonOps_DDRM.addEquals(other, step, direction);
            double loss = PreconditionerTheory.expectedLoss(task, other);
            assertTrue(loss > lossStar, "loss(Γ* + " + step + " Δ) = " + loss + " is not above loss(Γ*) = " + lossStar);
        }
    }

    @Test
    void nonLinearTasksAreRefused() {
        TaskConfig tanh = TaskConfig.defaults().withResponse(TaskConfig.RESPONSE_TANH);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PreconditionerTheory.optimal(tanh));
        assertTrue(e.getMessage().contains("linear labels"), e.getMessage());
    }

    /**
     * Ahn et al.'s anisotropic setting (d = N = 10, eigenvalues k/5.5 under a seeded rotation), sampled by the DJL
     * sampler: the least-squares Γ over many prompts matches the closed form within Monte-Carlo error, and the exact
     * loss of Γ* matches its Monte-Carlo loss.
     */
    @Test
    void monteCarloFitConfirmsClosedFormForAnisotropicGaussians() {
        TaskConfig task = anisotropicTask(0.0);
        PromptSet prompts;
        try (NDManager manager = NDManager.newBaseManager()) {
            prompts = TaskSamplers.forTask(task).samplePromptSet(manager, 120_000, 77);
        }
        PreconditionerTheory.MonteCarloEstimate mc = PreconditionerTheory.monteCarloOptimal(prompts, 20);
        DMatrixRMaj exact = PreconditionerTheory.optimal(task);
        DMatrixRMaj fitted = mc.gamma();
        DMatrixRMaj se = mc.standardError();
        double resolution = NormOps_DDRM.normF(se) / NormOps_DDRM.normF(exact);
        assertTrue(resolution < MAX_RELATIVE_RESOLUTION, "MC Γ: too few prompts, ‖SE‖/‖Γ*‖ = " + resolution);
        double worst = worstStandardErrors(fitted, exact, se);
        assertTrue(worst < MAX_STANDARD_ERRORS, "MC Γ vs closed form: worst entry is " + worst
                + " standard errors away (resolution " + resolution + ")");
        DMatrixRMaj scalar = CommonOps_DDRM.identity(10);
        CommonOps_DDRM.scale(CommonOps_DDRM.trace(exact) / 10, scalar);
        double wrong = worstStandardErrors(fitted, scalar, se);
        assertTrue(wrong > MIN_STANDARD_ERRORS_FOR_WRONG_ANSWER, "MC Γ cannot tell Γ* from a multiple of I: worst "
                + "entry only " + wrong + " standard errors away");

        double[] preds = PgdFeatureRegression.predict(prompts, exact);
        double[] y = prompts.targets();
        double sum = 0;
        double sumSq = 0;
        for (int b = 0; b < y.length; b++) {
            double e = (preds[b] - y[b]) * (preds[b] - y[b]);
            sum += e;
            sumSq += e * e;
        }
        double mcLoss = sum / y.length;
        double lossSe = Math.sqrt((sumSq / y.length - mcLoss * mcLoss) / y.length);
        double theory = PreconditionerTheory.expectedLoss(task, exact);
        assertEquals(theory, mcLoss, 5 * lossSe, "exact loss of Γ* vs its Monte-Carlo loss");
    }

    private static double worstStandardErrors(DMatrixRMaj fitted, DMatrixRMaj reference, DMatrixRMaj se) {
        double worst = 0;
        for (int i = 0; i < reference.data.length; i++) {
            worst = Math.max(worst, Math.abs(fitted.data[i] - reference.data[i]) / se.data[i]);
        }
        return worst;
    }
}
