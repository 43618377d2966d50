package org.descent.compare;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;

/**
 * Percentile bootstrap confidence intervals, seeded. Used for verdicts over prompts (resample prompts) and over
 * seeds (resample runs).
 */
public final class Bootstrap {
    /** Resamples drawn by default. */
    public static final int DEFAULT_RESAMPLES = 2000;

    private Bootstrap() {}

    /**
     * A point estimate with its percentile interval.
     *
     * @param estimate the statistic on the full sample
     * @param lower lower end of the interval
     * @param upper upper end of the interval
     * @param level coverage, e.g. 0.95
     * @param n sample size
     */
    public record Interval(double estimate, double lower, double upper, double level, int n) {
        public boolean contains(double v) {
            return v >= lower && v <= upper;
        }

        /** Whether the whole interval lies at or below {@code v}. */
        public boolean below(double v) {
            return upper <= v;
        }

        /** Whether the whole interval lies at or above {@code v}. */
        public boolean above(double v) {
            return lower >= v;
        }
    }

    /** The statistic "mean of {@code values}" on resampled indices. */
    public static ToDoubleFunction<int[]> meanOf(double[] values) {
        return idx -> {
            double s = 0;
            for (int i : idx) {
                s += values[i];
            }
            return s / idx.length;
        };
    }

    /**
     * The statistic {@code Σ num / Σ den} on resampled indices (a relative SPD, 1 − R², a relative gap + 1). A zero
     * numerator gives 0 even over a zero denominator (no discrepancy at all); a positive one over zero gives +∞.
     */
    public static ToDoubleFunction<int[]> ratioOf(double[] num, double[] den) {
        if (num.length != den.length) {
            throw new IllegalArgumentException("bootstrap ratio: " + num.length + " vs " + den.length + " values");
        }
        return idx -> {
            double a = 0;
            double b = 0;
            for (int i : idx) {
                a += num[i];
                b += den[i];
            }
            return a == 0 ? 0 : a / b;
        };
    }

    /** 95% interval of the mean of {@code values}. */
    public static Interval mean(double[] values, long seed) {
        return of(values.length, meanOf(values), DEFAULT_RESAMPLES, 0.95, seed);
    }

    /**
     * Interval of any statistic of a sample of size {@code n}, given as a function of the resampled indices.
     *
     * @param n sample size (at least 2)
     * @param statistic computes the statistic from an index array of length n (indices may repeat)
     * @param resamples bootstrap resamples
     * @param level coverage in (0, 1)
     * @param seed resampling seed
     */
    public static Interval of(int n, ToDoubleFunction<int[]> statistic, int resamples, double level, long seed) {
        if (n < 1) {
            throw new IllegalArgumentException("bootstrap needs a non-empty sample");
        }
        if (!(level > 0 && level < 1) || resamples < 10) {
            throw new IllegalArgumentException("bootstrap: level in (0,1) and at least 10 resamples required");
        }
        int[] identity = new int[n];
        Arrays.setAll(identity, i -> i);
        double estimate = statistic.applyAsDouble(identity);
        if (n == 1) {
            return new Interval(estimate, estimate, estimate, level, 1);
        }
        SplittableRandom rng = new SplittableRandom(seed);
        double[] stats = new double[resamples];
        int[] idx = new int[n];
        for (int r = 0; r < resamples; r++) {
            for (int i = 0; i < n; i++) {
                idx[i] = rng.nextInt(n);
            }
            stats[r] = statistic.applyAsDouble(idx);
        }
        Arrays.sort(stats);
        double alpha = (1 - level) / 2;
        return new Interval(estimate, quantile(stats, alpha), quantile(stats, 1 - alpha), level, n);
    }

    /**
     * The q-quantile of sorted values, interpolating linearly between order statistics; equal neighbours (including
     * two infinities) give that value, not ∞ − ∞ = NaN.
     */
    public static double quantile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(sorted.length - 1, lo + 1);
        if (sorted[lo] == sorted[hi] || pos == lo) {
            return sorted[lo];
        }
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }
}
