package org.descent.experiment.reproduce;

import java.util.List;
import java.util.function.ToDoubleFunction;
import org.descent.compare.Bootstrap;

/**
 * One seed's measurement of a statistic that is computed from per-prompt values, so it can be bootstrapped over
 * prompts when there is a single seed.
 *
 * @param prompts number of test prompts
 * @param statistic the statistic on a resample given as prompt indices
 */
public record SeedSample(int prompts, ToDoubleFunction<int[]> statistic) {

    /** The mean of per-prompt values. */
    public static SeedSample mean(double[] values) {
        double[] v = values.clone();
        return new SeedSample(v.length, idx -> {
            double s = 0;
            for (int i : idx) {
                s += v[i];
            }
            return s / idx.length;
        });
    }

    /** The relative gap {@code mean(a)/mean(b) − 1} of two per-prompt losses on the same prompts. */
    public static SeedSample relativeGap(double[] a, double[] b) {
        double[] x = a.clone();
        double[] y = b.clone();
        return new SeedSample(x.length, idx -> {
            double sa = 0;
            double sb = 0;
            for (int i : idx) {
                sa += x[i];
                sb += y[i];
            }
            return sa / sb - 1;
        });
    }

    /** A statistic with no per-prompt structure (e.g. a weight distance): its interval is the point. */
    public static SeedSample fixed(double value) {
        return new SeedSample(1, idx -> value);
    }

    /** The value on the full sample. */
    public double point() {
        int[] all = new int[prompts];
        for (int i = 0; i < prompts; i++) {
            all[i] = i;
        }
        return statistic.applyAsDouble(all);
    }

    /** Interval over prompts for one seed, over seeds otherwise. */
    public static Bootstrap.Interval interval(List<SeedSample> samples, long seed) {
        if (samples.size() == 1) {
            SeedSample s = samples.get(0);
            return Bootstrap.of(s.prompts(), s.statistic(), Bootstrap.DEFAULT_RESAMPLES, 0.95, seed);
        }
        return Bootstrap.mean(points(samples), seed);
    }

    public static double[] points(List<SeedSample> samples) {
        return samples.stream().mapToDouble(SeedSample::point).toArray();
    }

    /** A headline for claim "≤ threshold". */
    public static Headline atMost(String name, List<SeedSample> samples, double threshold) {
        return Headline.atMost(name, points(samples), interval(samples, name.hashCode()), threshold);
    }

    /** A headline for claim "≥ threshold". */
    public static Headline atLeast(String name, List<SeedSample> samples, double threshold) {
        return Headline.atLeast(name, points(samples), interval(samples, name.hashCode()), threshold);
    }

    /** A context headline. */
    public static Headline info(String name, List<SeedSample> samples) {
        return Headline.info(name, points(samples), interval(samples, name.hashCode()));
    }
}
