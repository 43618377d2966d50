package org.descent.oracle;

import org.descent.task.PromptSet;

/**
 * Fits the ridge penalty λ of {@link LeastSquaresOracle#ridge} to given targets (e.g. a model's predictions): the
 * λ > 0 minimising the mean squared difference between ridge's predictions and the targets.
 *
 * <p>Dimension glossary: {@code B} prompts, {@code N} context examples, {@code d} input dimension; per prompt
 * {@code S = XᵀX/N [d, d]} with eigenvalues {@code μ [d]}, {@code h = Xᵀy/N [d]}.
 *
 * <p>λ is in {@link LeastSquaresOracle}'s parametrisation {@code (XᵀX + λI)⁻¹Xᵀy = (S + (λ/N) I)⁻¹h}, so after one
 * symmetric eigen-decomposition of every S a loss evaluation costs O(B·d). Search: a log-spaced grid over
 * {@code [10⁻⁶, 10⁶] · N μ̄} ({@code μ̄} the mean eigenvalue of S over the fitting prompts, so {@code N μ̄} is the
 * typical eigenvalue of XᵀX), then Brent's method in log λ. Deterministic. At the lower end ridge is OLS
 * (minimum-norm when N &lt; d) to within ~10⁻⁶ relative; at the upper end it is {@code Xᵀy/λ}, a vanishing GD step.
 */
public final class RidgeFitter {
    /** The λ bracket spans this many decades either side of {@code N μ̄}. */
    static final int LAMBDA_DECADES = 6;
    /** Log-grid density before Brent refinement. */
    static final int GRID_POINTS_PER_DECADE = 20;

    private RidgeFitter() {}

    /**
     * A fitted penalty.
     *
     * @param lambda the fitted λ (sum-of-squares parametrisation)
     * @param mse the mean squared difference to the targets at λ, on the fitting prompts
     * @param atBracketEdge whether λ lies at an end of the bracket (the optimum may be beyond: OLS-like at the
     *     lower end, a vanishing step at the upper)
     * @param lambdaLower the lower end of the searched bracket
     * @param lambdaUpper the upper end
     */
    public record Fit(double lambda, double mse, boolean atBracketEdge, double lambdaLower, double lambdaUpper) {
        public Fit {
            if (!(lambda > 0) || Double.isNaN(mse)) {
                throw new IllegalArgumentException("ridge fit: bad λ=" + lambda + " mse=" + mse);
            }
        }

        /** λ in the mean-normalised form {@code (S + λ'I)⁻¹h}: {@code λ' = λ/N}. */
        public double meanNormalisedLambda(int n) {
            return lambda / n;
        }

        /** The ridge oracle with the fitted λ. */
        public LeastSquaresOracle toOracle() {
            return LeastSquaresOracle.ridge(lambda);
        }
    }

    /**
     * The λ minimising the mean squared difference between ridge's predictions and {@code targets [B]}.
     *
     * @param prompts the fitting prompts (their own targets are ignored)
     * @param targets what to fit, {@code [B]}, e.g. a model's predictions on {@code prompts}
     */
    public static Fit fit(PromptSet prompts, double[] targets) {
        PromptSpectra spectra = PromptSpectra.of(prompts);
        spectra.checkTargets(targets, "ridge fit");
        double unit = spectra.n * spectra.meanEigenvalue();
        if (!(unit > 0)) {
            throw new IllegalArgumentException("ridge fit: every XᵀX is zero; λ is not identifiable");
        }
        double lower = unit * Math.pow(10, -LAMBDA_DECADES);
        double upper = unit * Math.pow(10, LAMBDA_DECADES);
        double n = spectra.n;
        LogScaleSearch.Result r = LogScaleSearch.minimise(
                lambda -> spectra.mse(mu -> 1.0 / (mu + lambda / n), targets), lower, upper, GRID_POINTS_PER_DECADE);
        return new Fit(r.point(), r.value(), r.atEdge(), lower, upper);
    }
}
