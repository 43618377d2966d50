package org.descent.oracle;

import org.descent.regressor.QuerySensitivity;
import org.descent.task.PromptSet;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.LinearSolverFactory_DDRM;
import org.ejml.interfaces.linsol.LinearSolverDense;

/**
 * Per-prompt least squares in EJML double precision: minimum-norm OLS ({@code λ = 0}, via the pseudo-inverse) or
 * ridge {@code w = (XᵀX + λI)⁻¹Xᵀy}. Ridge with λ = σ² is Bayes-optimal for w ~ N(0, I).
 *
 * <p>λ penalises the <em>sum</em> of squares and is not scaled with N: in the mean-normalised form
 * {@code (S + λ'I)⁻¹h} with {@code S = XᵀX/N}, {@code h = Xᵀy/N}, the same estimator has {@code λ' = λ/N}. For
 * w ~ N(0, ωI) and label noise σ the posterior mean is ridge with {@code λ = σ²/ω} ({@link #bayesLambda}).
 *
 * <p>Dimension glossary: {@code X [N, d]}, {@code y [N]}, {@code w [d]}.
 */
public final class LeastSquaresOracle implements org.descent.regressor.LinearInQuery {
    private final double lambda;

    private LeastSquaresOracle(double lambda) {
        if (!(lambda >= 0) || Double.isInfinite(lambda)) {
            throw new IllegalArgumentException("ridge: λ must be finite and >= 0, got " + lambda);
        }
        this.lambda = lambda;
    }

    /** Minimum-norm ordinary least squares. */
    public static LeastSquaresOracle ols() {
        return new LeastSquaresOracle(0);
    }

    /** Ridge regression with penalty λ (on the sum of squares, not the mean). */
    public static LeastSquaresOracle ridge(double lambda) {
        return new LeastSquaresOracle(lambda);
    }

    /**
     * The Bayes-optimal ridge penalty {@code σ²/ω} for w ~ N(0, ωI) and label noise N(0, σ²), in this class's
     * parametrisation {@code (XᵀX + λI)⁻¹Xᵀy} (independent of N).
     */
    public static double bayesLambda(double noiseStd, double priorVariance) {
        if (!(noiseStd >= 0) || Double.isInfinite(noiseStd) || !(priorVariance > 0)
                || Double.isInfinite(priorVariance)) {
            throw new IllegalArgumentException("Bayes λ: need σ >= 0 and ω > 0 finite, got σ=" + noiseStd + " ω="
                    + priorVariance);
        }
        return noiseStd * noiseStd / priorVariance;
    }

    /** The penalty λ (0 for OLS). */
    public double lambda() {
        return lambda;
    }

    @Override
    public String name() {
        return lambda == 0 ? "OLS" : String.format("ridge(λ=%.3g)", lambda);
    }

    /** The fitted weights of prompt b ({@code [d]}). */
    @Override
    public double[] weights(PromptSet prompts, int b) {
        DMatrixRMaj x = new DMatrixRMaj(prompts.contextInputs(b));
        DMatrixRMaj y = new DMatrixRMaj(prompts.n(), 1, true, prompts.contextLabels(b));
        DMatrixRMaj w = new DMatrixRMaj(prompts.d(), 1);
        if (lambda == 0) {
            LinearSolverDense<DMatrixRMaj> solver = LinearSolverFactory_DDRM.pseudoInverse(true);
            if (!solver.setA(x)) {
                throw new IllegalStateException("OLS: pseudo-inverse failed on prompt " + b);
            }
            solver.solve(y, w);
        } else {
            DMatrixRMaj gram = new DMatrixRMaj(prompts.d(), prompts.d());
            CommonOps_DDRM.multTransA(x, x, gram);
            for (int k = 0; k < prompts.d(); k++) {
                gram.add(k, k, lambda);
            }
            DMatrixRMaj xty = new DMatrixRMaj(prompts.d(), 1);
            CommonOps_DDRM.multTransA(x, y, xty);
            if (!CommonOps_DDRM.solveSPD(gram, xty, w)) {
                throw new IllegalStateException("ridge: XᵀX + λI is not positive definite on prompt " + b);
            }
        }
        return w.getData();
    }
}
