package org.descent.oracle;

import java.util.ArrayList;
import java.util.List;
import org.descent.task.PromptSet;

/**
 * A grid of ridge penalties λ ({@link LeastSquaresOracle#ridge}; λ on the sum of squares): the oracles, and a search
 * for the λ with the lowest MSE on a prompt set. For w ~ N(0, I) and noise σ, λ = σ² is Bayes-optimal (README, Closed
 * forms).
 */
public final class RidgeGrid {
    private RidgeGrid() {}

    /**
     * Result of a grid search.
     *
     * @param lambdas the grid
     * @param mse MSE of each λ on the prompts
     * @param bestLambda the λ with the lowest MSE
     */
    public record Search(double[] lambdas, double[] mse, double bestLambda) {
        public Search {
            lambdas = lambdas.clone();
            mse = mse.clone();
        }

        @Override
        public double[] lambdas() {
            return lambdas.clone();
        }

        @Override
        public double[] mse() {
            return mse.clone();
        }

        /** The MSE of {@link #bestLambda()}. */
        public double bestMse() {
            double best = Double.POSITIVE_INFINITY;
            for (double m : mse) {
                best = Math.min(best, m);
            }
            return best;
        }
    }

    /** {@code count} λ values spaced evenly in log between {@code min} and {@code max} (inclusive). */
    public static double[] logGrid(double min, double max, int count) {
        if (!(min > 0) || !(max >= min) || count < 1 || (count == 1 && max != min)) {
            throw new IllegalArgumentException("ridge grid: need 0 < min <= max and count >= 1 (1 only if min == max),"
                    + " got min=" + min + " max=" + max + " count=" + count);
        }
        double[] out = new double[count];
        for (int i = 0; i < count; i++) {
            out[i] = count == 1 ? min : Math.exp(Math.log(min) + (Math.log(max) - Math.log(min)) * i / (count - 1));
        }
        return out;
    }

    /** One ridge oracle per λ (λ = 0 gives minimum-norm OLS). */
    public static List<LeastSquaresOracle> oracles(double... lambdas) {
        List<LeastSquaresOracle> out = new ArrayList<>();
        for (double l : lambdas) {
            out.add(l == 0 ? LeastSquaresOracle.ols() : LeastSquaresOracle.ridge(l));
        }
        return out;
    }

    /** The MSE of every λ on {@code prompts} and the best λ. */
    public static Search search(PromptSet prompts, double... lambdas) {
        if (lambdas.length == 0) {
            throw new IllegalArgumentException("ridge grid: no λ values");
        }
        double[] y = prompts.targets();
        double[] mse = new double[lambdas.length];
        int best = 0;
        List<LeastSquaresOracle> grid = oracles(lambdas);
        for (int j = 0; j < lambdas.length; j++) {
            double[] p = grid.get(j).predict(prompts);
            double s = 0;
            for (int b = 0; b < p.length; b++) {
                double e = p[b] - y[b];
                s += e * e;
            }
            mse[j] = s / p.length;
            if (mse[j] < mse[best]) {
                best = j;
            }
        }
        return new Search(lambdas, mse, lambdas[best]);
    }
}
