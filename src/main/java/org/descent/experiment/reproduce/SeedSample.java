package org.descent.experiment.reproduce;

import java.util.List;
import java.util.function.ToDoubleFunction;
import org.descent.compare.Bootstrap;
import org.descent.compare.SeedIntervals;

/**
 * One seed's measurement of a headline statistic. A statistic computed from per-prompt values keeps them, so that a
 * single seed can still get a bootstrap interval over its test prompts; a weight-derived statistic has no per-prompt
 * structure ({@link #fixed}).
 *
 * <p>How the interval of a list of samples (one per seed) is made ({@link #interval}, {@link #scope}):
 * <ul>
 *   <li>S ≥ 2 seeds: the Student t interval of the mean over seeds ({@link SeedIntervals#studentT}), whatever the
 *       statistic: the claim is then about training, and training variability is what the interval measures;</li>
 *   <li>1 seed: the claim can only be about that one trained model: a percentile bootstrap over its test prompts
 *       for per-prompt statistics, the exact value for weight-derived ones. Reports label this scope and say that
 *       training variability is untested.</li>
 * </ul>
 *
 * @param prompts number of test prompts (1 for a weight-derived value)
 * @param statistic the statistic on a resample given as prompt indices
 */
public record SeedSample(int prompts, ToDoubleFunction<int[]> statistic) {

    /** The mean of per-prompt values. */
    public static SeedSample mean(double[] values) {
        double[] v = values.clone();
        return new SeedSample(v.length, org.descent.compare.Bootstrap.meanOf(v));
    }

    /** The relative gap {@code mean(a)/mean(b) − 1} of two per-prompt losses on the same prompts. */
    public static SeedSample relativeGap(double[] a, double[] b) {
        return ratio(a, b, -1);
    }

    /** {@code Σ num / Σ den + offset} over prompts (e.g. a relative SPD with offset 0). */
    public static SeedSample ratio(double[] num, double[] den, double offset) {
        java.util.function.ToDoubleFunction<int[]> r = org.descent.compare.Bootstrap.ratioOf(num.clone(), den.clone());
        return new SeedSample(num.length, idx -> r.applyAsDouble(idx) + offset);
    }

    /** A statistic with no per-prompt structure (e.g. a weight distance): with one seed its interval is the point. */
    public static SeedSample fixed(double value) {
        return new SeedSample(1, idx -> value);
    }

    /** Whether this is an exact (weight-derived) value rather than a per-prompt statistic. */
    public boolean exact() {
        return prompts == 1;
    }

    /** The value on the full sample. */
    public double point() {
        int[] all = new int[prompts];
        for (int i = 0; i < prompts; i++) {
            all[i] = i;
        }
        return statistic.applyAsDouble(all);
    }

    /** Student t over seeds for S ≥ 2; for one seed, the bootstrap over its prompts (or the exact value). */
    public static Bootstrap.Interval interval(List<SeedSample> samples, long seed) {
        if (samples.isEmpty()) {
            throw new IllegalArgumentException("no seeds");
        }
        if (samples.size() == 1) {
            SeedSample s = samples.get(0);
            return Bootstrap.of(s.prompts(), s.statistic(), Bootstrap.DEFAULT_RESAMPLES, SeedIntervals.LEVEL, seed);
        }
        return SeedIntervals.studentT(points(samples));
    }

    /** What {@link #interval} is about. */
    public static SeedIntervals.Scope scope(List<SeedSample> samples) {
        if (samples.size() >= SeedIntervals.MIN_SEEDS) {
            return SeedIntervals.Scope.seeds(samples.size());
        }
        return samples.get(0).exact() ? SeedIntervals.Scope.oneExact() : SeedIntervals.Scope.onePromptInterval();
    }

    public static double[] points(List<SeedSample> samples) {
        return samples.stream().mapToDouble(SeedSample::point).toArray();
    }

    /** A headline for the one-sided claim "≤ threshold" (key: the {@link org.descent.util.Schema#slug} of name). */
    public static Headline atMost(String name, List<SeedSample> samples, double threshold) {
        return atMost(org.descent.util.Schema.slug(name), name, samples, threshold);
    }

    /** A headline for the one-sided claim "≤ threshold" with a machine-readable key and a display name. */
    public static Headline atMost(String key, String name, List<SeedSample> samples, double threshold) {
        return Headline.atMost(key, name, points(samples), interval(samples, name.hashCode()), scope(samples),
                threshold);
    }

    /** A headline for the one-sided claim "≥ threshold" (key: the slug of name). */
    public static Headline atLeast(String name, List<SeedSample> samples, double threshold) {
        return atLeast(org.descent.util.Schema.slug(name), name, samples, threshold);
    }

    /** A headline for the one-sided claim "≥ threshold" with a machine-readable key and a display name. */
    public static Headline atLeast(String key, String name, List<SeedSample> samples, double threshold) {
        return Headline.atLeast(key, name, points(samples), interval(samples, name.hashCode()), scope(samples),
                threshold);
    }

    /** A headline for the two-sided (equivalence) claim "within ±tolerance" (key: the slug of name). */
    public static Headline within(String name, List<SeedSample> samples, double tolerance) {
        return within(org.descent.util.Schema.slug(name), name, samples, tolerance);
    }

    /** A headline for the two-sided claim "within ±tolerance" with a machine-readable key and a display name. */
    public static Headline within(String key, String name, List<SeedSample> samples, double tolerance) {
        return Headline.within(key, name, points(samples), interval(samples, name.hashCode()), scope(samples),
                tolerance);
    }

    /** A context headline (key: the slug of name). */
    public static Headline info(String name, List<SeedSample> samples) {
        return info(org.descent.util.Schema.slug(name), name, samples);
    }

    /** A context headline with a machine-readable key and a display name. */
    public static Headline info(String key, String name, List<SeedSample> samples) {
        return Headline.info(key, name, points(samples), interval(samples, name.hashCode()), scope(samples));
    }
}
