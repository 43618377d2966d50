package org.descent.classify;

import org.hipparchus.distribution.continuous.TDistribution;

/**
 * Whether a loss gap {@code g_t = L(θ_t) − L*} falls at a linear (geometric) rate {@code g_t ≈ C ρ^t}, ρ < 1: a
 * straight line fitted to {@code log g_t} against t over a window, with the slope's 95% interval from the regression
 * standard error, its R², and the R² of the rival sublinear model {@code log g_t ≈ a + b log t} (a power law such as
 * 1/t, whose log gap also has a negative slope against t but bends).
 *
 * <p>Rule ({@link #isLinear}): the slope's whole interval is below 0, R²(log g vs t) ≥ {@link #MIN_R2}, the line
 * in t fits better than the line in log t, and the rate holds across the window: the slope fitted on its last third
 * is at least {@link #MIN_SLOPE_RATIO} of the slope on its first third. An exact geometric sequence passes (R² = 1,
 * ratio 1); a 1/t sequence fails (its log gap is straight in log t, bent in t, its local rate 1/t decays); so does a
 * steep power law {@code (t + c)^{-k}} that looks straight over a short stretch: its local rate {@code k/(t + c)}
 * falls across a window in which the gap drops by many decades. (Any smooth decay is locally geometric; a power law
 * that passes all four tests is, over the window, indistinguishable from a geometric one.)
 *
 * <p>The regression interval treats residuals as independent; residuals of an optimisation curve are smooth in t,
 * so that interval is narrower than an honest one would be: with {@code --seeds S ≥ 2} the preset uses the Student
 * t interval of the slope over seeds instead.
 *
 * @param from first step of the window
 * @param to last step of the window (inclusive)
 * @param intercept fitted log g at t = 0 of the line in t
 * @param slope fitted d log g / dt (natural log per step)
 * @param standardError the slope's standard error
 * @param lower lower end of the slope's 95% interval
 * @param upper upper end of the slope's 95% interval
 * @param r2 R² of log g against t
 * @param r2LogStep R² of log g against log t (the sublinear rival)
 * @param points points in the window
 * @param slopeRatio slope of the window's last third over the slope of its first third (1 for a constant rate)
 */
public record LinearRateFit(int from, int to, double intercept, double slope, double standardError, double lower, double upper,
        double r2, double r2LogStep, int points, double slopeRatio) {

    /** The line in t must explain at least this share of the variance of log g. */
    public static final double MIN_R2 = 0.99;
    /** The slope over the window's last third must be at least this fraction of the slope over its first third. */
    public static final double MIN_SLOPE_RATIO = 0.75;
    /** Fewest window points for a fit. */
    public static final int MIN_POINTS = 10;
    static final double LEVEL = 0.95;

    /**
     * The window of {@code gaps} (indexed by step t = 0..T) between the first step whose gap is at most
     * {@code startFraction · g_0} and the last step whose gap is still at least {@code floorFraction · g_0} (below
     * that, rounding of the double-precision loss would dominate).
     *
     * @return {from, to}, inclusive
     * @throws IllegalArgumentException when the window holds fewer than {@link #MIN_POINTS} steps
     */
    public static int[] window(double[] gaps, double startFraction, double floorFraction) {
        double g0 = gaps[0];
        int from = -1;
        for (int t = 0; t < gaps.length; t++) {
            if (gaps[t] <= startFraction * g0) {
                from = t;
                break;
            }
        }
        int to = -1;
        for (int t = gaps.length - 1; t >= 0; t--) {
            if (gaps[t] >= floorFraction * g0 && gaps[t] > 0) {
                to = t;
                break;
            }
        }
        if (from < 0 || to - from + 1 < MIN_POINTS) {
            throw new IllegalArgumentException("linear rate: the gap never spans " + startFraction + " to "
                    + floorFraction + " of its start over " + MIN_POINTS + "+ steps (from " + from + ", to " + to
                    + "); run longer");
        }
        return new int[] {from, to};
    }

    /** Fits {@code log gaps[t]} for t in {@code [from, to]}; every gap there must be positive. */
    public static LinearRateFit fit(double[] gaps, int from, int to) {
        int n = to - from + 1;
        if (n < MIN_POINTS || from < 0 || to >= gaps.length) {
            throw new IllegalArgumentException("linear rate: need a window of at least " + MIN_POINTS + " steps inside "
                    + "the curve, got [" + from + ", " + to + "] of " + gaps.length);
        }
        double[] t = new double[n];
        double[] logT = new double[n];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            int s = from + i;
            if (!(gaps[s] > 0)) {
                throw new IllegalArgumentException("linear rate: gap at step " + s + " is " + gaps[s] + ", not positive");
            }
            t[i] = s;
            logT[i] = Math.log(s + 1.0);
            y[i] = Math.log(gaps[s]);
        }
        double[] lin = line(t, y);
        double[] pow = line(logT, y);
        double q = new TDistribution(n - 2).inverseCumulativeProbability(0.5 + LEVEL / 2);
        int third = n / 3;
        double first = line(java.util.Arrays.copyOfRange(t, 0, third), java.util.Arrays.copyOfRange(y, 0, third))[0];
        double last = line(java.util.Arrays.copyOfRange(t, n - third, n), java.util.Arrays.copyOfRange(y, n - third,
                n))[0];
        return new LinearRateFit(from, to, lin[3], lin[0], lin[1], lin[0] - q * lin[1], lin[0] + q * lin[1], lin[2],
                pow[2], n, last / first);
    }

    /** Least-squares line y ≈ a + b x: {b, se(b), R², a}. */
    static double[] line(double[] x, double[] y) {
        int n = x.length;
        double mx = 0;
        double my = 0;
        for (int i = 0; i < n; i++) {
            mx += x[i];
            my += y[i];
        }
        mx /= n;
        my /= n;
        double sxx = 0;
        double sxy = 0;
        double syy = 0;
        for (int i = 0; i < n; i++) {
            sxx += (x[i] - mx) * (x[i] - mx);
            sxy += (x[i] - mx) * (y[i] - my);
            syy += (y[i] - my) * (y[i] - my);
        }
        double b = sxy / sxx;
        double ssr = Math.max(0, syy - b * sxy);
        double se = Math.sqrt(ssr / (n - 2) / sxx);
        double r2 = syy == 0 ? 1.0 : 1 - ssr / syy;
        return new double[] {b, se, r2, my - b * mx};
    }

    /**
     * The rule: interval below 0, R² ≥ {@link #MIN_R2}, the line in t beats the line in log t, and the rate holds
     * (slope ratio ≥ {@link #MIN_SLOPE_RATIO}).
     */
    public boolean isLinear() {
        return upper < 0 && r2 >= MIN_R2 && r2 > r2LogStep && slopeRatio >= MIN_SLOPE_RATIO;
    }

    /** The per-step contraction factor ρ = e^{slope} of the gap. */
    public double rate() {
        return Math.exp(slope);
    }
}
