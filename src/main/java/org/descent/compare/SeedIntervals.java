package org.descent.compare;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.hipparchus.distribution.continuous.TDistribution;

/**
 * Confidence intervals for the mean of a statistic over S independent training seeds: the Student t interval
 * {@code x̄ ± t_{S−1, 1−α/2} · s / √S}.
 *
 * <p>Why not the bootstrap: a percentile bootstrap over S seeds resamples S values, so it can never be wider than the
 * sample's range and ignores that s itself is estimated from S values; its coverage for a 95% interval is about 48%
 * (S = 2), 75% (S = 3), 83% (S = 5) and 91% (S = 10). The t interval is exact for normally distributed per-seed
 * values at every S ≥ 2, and {@link CoverageStudy} measures its coverage on skewed per-seed distributions too
 * ({@link #MIN_SEEDS} is the smallest S whose coverage was in range there).
 *
 * <p>With one seed there is no information about training variability at all: claims can then only be about the one
 * trained model (see {@link Scope}).
 */
public final class SeedIntervals {
    /** Default coverage. */
    public static final double LEVEL = 0.95;
    /** The smallest number of seeds a seed-level interval is computed for. */
    public static final int MIN_SEEDS = 2;

    private static final Map<Long, Double> QUANTILES = new ConcurrentHashMap<>();

    private SeedIntervals() {}

    /**
     * What an interval is about, shown beside every headline.
     *
     * @param label e.g. "3 seeds (Student t)"
     * @param seeds S, the number of training seeds
     * @param method "student-t", "prompt-bootstrap" or "exact"
     */
    public record Scope(String label, int seeds, String method) {
        /** Over S ≥ 2 seeds with the Student t interval. */
        public static Scope seeds(int s) {
            if (s < MIN_SEEDS) {
                throw new IllegalArgumentException("a seed-level interval needs at least " + MIN_SEEDS + " seeds, got "
                        + s);
            }
            return new Scope(s + " seeds (Student t)", s, "student-t");
        }

        /** One trained model, a per-prompt statistic with its bootstrap interval over test prompts. */
        public static Scope onePromptInterval() {
            return new Scope("1 trained model (prompt interval)", 1, "prompt-bootstrap");
        }

        /** One trained model, a weight-derived (or otherwise exact) statistic: no interval. */
        public static Scope oneExact() {
            return new Scope("1 trained model (exact value)", 1, "exact");
        }

        /** Whether the claim can speak about training (i.e. about more than one trained model). */
        public boolean coversTraining() {
            return seeds >= MIN_SEEDS;
        }
    }

    /** What every one-seed report says about training variability. */
    public static final String ONE_SEED_NOTE = "training variability untested: use --seeds ≥ 2";

    /** The {@value #LEVEL} Student t interval of the mean of {@code perSeed} (S ≥ 2 values). */
    public static Bootstrap.Interval studentT(double[] perSeed) {
        return studentT(perSeed, LEVEL);
    }

    /**
     * The Student t interval of the mean of {@code perSeed}.
     *
     * @param perSeed one value per training seed, at least {@value #MIN_SEEDS}, all finite
     * @param level coverage in (0, 1)
     */
    public static Bootstrap.Interval studentT(double[] perSeed, double level) {
        int s = perSeed.length;
        if (s < MIN_SEEDS) {
            throw new IllegalArgumentException("a seed-level interval needs at least " + MIN_SEEDS + " seeds, got " + s
                    + " (with one seed the claim is about one trained model only)");
        }
        if (!(level > 0 && level < 1)) {
            throw new IllegalArgumentException("interval level must be in (0, 1), got " + level);
        }
        double mean = 0;
        for (double v : perSeed) {
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException("seed-level interval: non-finite value " + v);
            }
            mean += v;
        }
        mean /= s;
        double ss = 0;
        for (double v : perSeed) {
            ss += (v - mean) * (v - mean);
        }
        double half = quantile(s - 1, level) * Math.sqrt(ss / (s - 1) / s);
        return new Bootstrap.Interval(mean, mean - half, mean + half, level, s);
    }

    /** {@code t_{df, (1+level)/2}}, cached. */
    public static double quantile(int df, double level) {
        long key = ((long) df << 32) ^ Double.doubleToLongBits(level);
        return QUANTILES.computeIfAbsent(key,
                k -> new TDistribution(df).inverseCumulativeProbability(0.5 + level / 2));
    }
}
