package org.descent.oracle;

import java.util.function.DoubleUnaryOperator;
import org.hipparchus.optim.MaxEval;
import org.hipparchus.optim.nonlinear.scalar.GoalType;
import org.hipparchus.optim.univariate.BrentOptimizer;
import org.hipparchus.optim.univariate.SearchInterval;
import org.hipparchus.optim.univariate.UnivariateObjectiveFunction;
import org.hipparchus.optim.univariate.UnivariatePointValuePair;

/**
 * Deterministic minimisation of a positive scalar parameter p over {@code [lower, upper]}: a log-spaced grid (which
 * finds the best basin when the loss is not unimodal), then Brent's method in {@code log p} between the best grid
 * point's neighbours.
 */
final class LogScaleSearch {
    /** Brent's relative and absolute tolerances on {@code log p}. */
    private static final double BRENT_RELATIVE = 1e-12;
    private static final double BRENT_ABSOLUTE = 1e-14;
    private static final int MAX_EVALUATIONS = 1_000;
    /** A result within this distance of a bracket end in {@code log p} counts as on the edge. */
    private static final double EDGE_LOG_DISTANCE = 1e-6;

    private LogScaleSearch() {}

    /**
     * The minimiser.
     *
     * @param point the minimising p
     * @param value the loss there
     * @param evaluations loss evaluations used (grid and Brent)
     * @param atEdge whether p lies on the bracket's lower or upper end (the true minimiser may lie outside)
     */
    record Result(double point, double value, int evaluations, boolean atEdge) {}

    static Result minimise(DoubleUnaryOperator loss, double lower, double upper, int pointsPerDecade) {
        if (!(lower > 0) || !(upper > lower) || Double.isInfinite(upper) || pointsPerDecade < 1) {
            throw new IllegalArgumentException("log-scale search: need 0 < lower < upper < ∞, got [" + lower + ", "
                    + upper + "], " + pointsPerDecade + " points per decade");
        }
        double lo = Math.log(lower);
        double hi = Math.log(upper);
        int count = Math.max(3, (int) Math.ceil((hi - lo) / Math.log(10) * pointsPerDecade) + 1);
        int[] evaluations = {0};
        DoubleUnaryOperator f = logP -> {
            evaluations[0]++;
            double v = loss.applyAsDouble(Math.exp(logP));
            return Double.isNaN(v) ? Double.POSITIVE_INFINITY : v;
        };
        double[] grid = new double[count];
        int best = 0;
        double bestValue = Double.POSITIVE_INFINITY;
        for (int i = 0; i < count; i++) {
            grid[i] = i == count - 1 ? hi : lo + (hi - lo) * i / (count - 1);
            double v = f.applyAsDouble(grid[i]);
            if (v < bestValue) {
                bestValue = v;
                best = i;
            }
        }
        double left = grid[Math.max(0, best - 1)];
        double right = grid[Math.min(count - 1, best + 1)];
        BrentOptimizer brent = new BrentOptimizer(BRENT_RELATIVE, BRENT_ABSOLUTE);
        UnivariatePointValuePair p = brent.optimize(new MaxEval(MAX_EVALUATIONS), GoalType.MINIMIZE,
                new SearchInterval(left, right, grid[best]), new UnivariateObjectiveFunction(f::applyAsDouble));
        double logPoint = p.getPoint();
        double value = p.getValue();
        if (!(value <= bestValue)) { // Brent never does worse than the grid point it started from
            logPoint = grid[best];
            value = bestValue;
        }
        if (!Double.isFinite(value)) {
            throw new IllegalStateException("log-scale search: the loss is not finite anywhere on [" + lower + ", "
                    + upper + "]");
        }
        boolean atEdge = logPoint - lo < EDGE_LOG_DISTANCE || hi - logPoint < EDGE_LOG_DISTANCE;
        return new Result(Math.exp(logPoint), value, evaluations[0], atEdge);
    }
}
