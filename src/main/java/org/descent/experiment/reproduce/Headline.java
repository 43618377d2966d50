package org.descent.experiment.reproduce;

import java.util.Arrays;
import java.util.Locale;
import org.descent.compare.Bootstrap;
import org.descent.compare.SeedIntervals;
import org.descent.report.Report;

/**
 * One headline number of a reproduction: its value per seed, the mean with a 95% interval, what that interval is
 * about ({@link SeedIntervals.Scope}: S seeds with a Student t interval, or one trained model with a bootstrap interval
 * over its test prompts or an exact value), the claim's requirement and the verdict.
 *
 * <p>Requirements say whether their test is one-sided ("≤ x", "≥ x": a bound, e.g. "beats GD") or two-sided
 * ("within ±x": an equivalence, e.g. "matches GD", which a model that is much better fails as surely as one that is
 * much worse).
 *
 * @param name what is measured
 * @param perSeed the value in each seed's run
 * @param interval mean and 95% interval
 * @param scope what the interval is about
 * @param requirement the claim as text, e.g. "≤ 0.005 (one-sided)"
 * @param verdict whether the interval supports the claim; null for context numbers that test nothing
 */
public record Headline(String name, double[] perSeed, Bootstrap.Interval interval, SeedIntervals.Scope scope,
        String requirement, Verdict verdict) {

    /** A number that tests a one-sided claim "≤ threshold". */
    public static Headline atMost(String name, double[] perSeed, Bootstrap.Interval ci, SeedIntervals.Scope scope,
            double threshold) {
        return new Headline(name, perSeed.clone(), ci, scope, "≤ " + Report.num(threshold) + " (one-sided)",
                Verdict.atMost(ci, threshold));
    }

    /** A number that tests a one-sided claim "≥ threshold". */
    public static Headline atLeast(String name, double[] perSeed, Bootstrap.Interval ci, SeedIntervals.Scope scope,
            double threshold) {
        return new Headline(name, perSeed.clone(), ci, scope, "≥ " + Report.num(threshold) + " (one-sided)",
                Verdict.atLeast(ci, threshold));
    }

    /** A number that tests a two-sided equivalence claim "within [−tolerance, +tolerance]". */
    public static Headline within(String name, double[] perSeed, Bootstrap.Interval ci, SeedIntervals.Scope scope,
            double tolerance) {
        return new Headline(name, perSeed.clone(), ci, scope, "within ±" + Report.num(tolerance) + " (two-sided)",
                Verdict.within(ci, -tolerance, tolerance));
    }

    /** A number shown for context only. */
    public static Headline info(String name, double[] perSeed, Bootstrap.Interval ci, SeedIntervals.Scope scope) {
        return new Headline(name, perSeed.clone(), ci, scope, "", null);
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
                && h.interval.equals(interval) && h.scope.equals(scope) && h.requirement.equals(requirement)
                && h.verdict == verdict;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(perSeed);
    }

    @Override
    public String toString() {
        return name + " = " + intervalText() + " [" + scope.label() + "]"
                + (verdict == null ? "" : " (" + requirement + ": " + verdict.label() + ")");
    }
}
