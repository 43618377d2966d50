package org.descent.experiment.reproduce;

import java.util.Arrays;
import java.util.Locale;
import org.descent.compare.Bootstrap;
import org.descent.compare.SeedIntervals;
import org.descent.report.Report;
import org.descent.util.Schema;

/**
 * One headline number of a reproduction: its value per seed, the mean with a 95% interval, what that interval is
 * about ({@link SeedIntervals.Scope}: S seeds with a Student t interval, or one trained model with a bootstrap interval
 * over its test prompts or an exact value), the claim's requirement and the verdict.
 *
 * <p>Requirements say whether their test is one-sided ("≤ x", "≥ x": a bound, e.g. "beats GD") or two-sided
 * ("within ±x": an equivalence, e.g. "matches GD", which a model that is much better fails as surely as one that is
 * much worse).
 *
 * @param name what is measured (the display label)
 * @param perSeed the value in each seed's run
 * @param interval mean and 95% interval
 * @param scope what the interval is about
 * @param verdict whether the interval supports the claim; null for context numbers that test nothing
 * @param key the machine-readable key in metrics.json ({@link Schema#isKey})
 * @param comparison the claim's direction ({@link Schema#AT_MOST}, {@link Schema#AT_LEAST}, {@link Schema#WITHIN}),
 *     or null for context numbers
 * @param tolerance the claim's threshold (NaN for context numbers)
 */
public record Headline(String name, double[] perSeed, Bootstrap.Interval interval, SeedIntervals.Scope scope,
        Verdict verdict, String key, String comparison, double tolerance) {

    public Headline {
        Schema.requireKey(key);
    }

    /** A number that tests a one-sided claim "≤ threshold"; its key is the {@link Schema#slug} of its name. */
    public static Headline atMost(String name, double[] perSeed, Bootstrap.Interval ci, SeedIntervals.Scope scope,
            double threshold) {
        return atMost(Schema.slug(name), name, perSeed, ci, scope, threshold);
    }

    /** A number that tests a one-sided claim "≤ threshold". */
    public static Headline atMost(String key, String name, double[] perSeed, Bootstrap.Interval ci,
            SeedIntervals.Scope scope, double threshold) {
        return new Headline(name, perSeed.clone(), ci, scope, Verdict.atMost(ci, threshold), key, Schema.AT_MOST,
                threshold);
    }

    /** A number that tests a one-sided claim "≥ threshold"; its key is the {@link Schema#slug} of its name. */
    public static Headline atLeast(String name, double[] perSeed, Bootstrap.Interval ci, SeedIntervals.Scope scope,
            double threshold) {
        return atLeast(Schema.slug(name), name, perSeed, ci, scope, threshold);
    }

    /** A number that tests a one-sided claim "≥ threshold". */
    public static Headline atLeast(String key, String name, double[] perSeed, Bootstrap.Interval ci,
            SeedIntervals.Scope scope, double threshold) {
        return new Headline(name, perSeed.clone(), ci, scope, Verdict.atLeast(ci, threshold), key, Schema.AT_LEAST,
                threshold);
    }

    /** A two-sided equivalence claim "within [−tolerance, +tolerance]"; key: the {@link Schema#slug} of its name. */
    public static Headline within(String name, double[] perSeed, Bootstrap.Interval ci, SeedIntervals.Scope scope,
            double tolerance) {
        return within(Schema.slug(name), name, perSeed, ci, scope, tolerance);
    }

    /** A number that tests a two-sided equivalence claim "within [−tolerance, +tolerance]". */
    public static Headline within(String key, String name, double[] perSeed, Bootstrap.Interval ci,
            SeedIntervals.Scope scope, double tolerance) {
        return new Headline(name, perSeed.clone(), ci, scope, Verdict.within(ci, -tolerance, tolerance), key,
                Schema.WITHIN, tolerance);
    }

    /** A number shown for context only; its key is the {@link Schema#slug} of its name. */
    public static Headline info(String name, double[] perSeed, Bootstrap.Interval ci, SeedIntervals.Scope scope) {
        return info(Schema.slug(name), name, perSeed, ci, scope);
    }

    /** A number shown for context only. */
    public static Headline info(String key, String name, double[] perSeed, Bootstrap.Interval ci,
            SeedIntervals.Scope scope) {
        return new Headline(name, perSeed.clone(), ci, scope, null, key, null, Double.NaN);
    }

    /** The requirement as shown in tables, from the comparison and its tolerance ("" for a context number). */
    public String requirement() {
        if (comparison == null) {
            return "";
        }
        return switch (comparison) {
            case Schema.AT_MOST -> "≤ " + Report.num(tolerance) + " (one-sided)";
            case Schema.AT_LEAST -> "≥ " + Report.num(tolerance) + " (one-sided)";
            case Schema.WITHIN -> "within ±" + Report.num(tolerance) + " (two-sided)";
            default -> throw new IllegalStateException("headline: unknown comparison " + comparison);
        };
    }

    public String intervalText() {
        if (interval.lower() == interval.upper()) {
            return Report.num(interval.estimate());
        }
        return String.format(Locale.ROOT, "%s [%s, %s]", Report.num(interval.estimate()), Report.num(interval.lower()),
                Report.num(interval.upper()));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Headline h && h.name.equals(name) && Arrays.equals(h.perSeed, perSeed)
                && h.interval.equals(interval) && h.scope.equals(scope)
                && h.verdict == verdict && h.key.equals(key) && java.util.Objects.equals(h.comparison, comparison)
                && Double.compare(h.tolerance, tolerance) == 0;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(perSeed);
    }

    @Override
    public String toString() {
        return name + " = " + intervalText() + " [" + scope.label() + "]"
                + (verdict == null ? "" : " (" + requirement() + ": " + verdict.label() + ")");
    }
}
