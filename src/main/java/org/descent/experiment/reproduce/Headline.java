package org.descent.experiment.reproduce;

import java.util.Arrays;
import java.util.Locale;
import org.descent.compare.Bootstrap;
import org.descent.report.Report;

/**
 * One headline number of a reproduction: its value per seed, the mean with a bootstrap 95% interval (over seeds,
 * or over prompts when there is one seed and a per-prompt sample), the claim's threshold and the verdict.
 *
 * @param name what is measured
 * @param perSeed the value in each seed's run
 * @param interval mean and 95% interval
 * @param requirement the claim as text, e.g. "≤ 0.005"
 * @param verdict whether the interval supports the claim; null for context numbers that test nothing
 */
public record Headline(String name, double[] perSeed, Bootstrap.Interval interval, String requirement,
        Verdict verdict) {

    /** A number that tests a claim "≤ threshold". */
    public static Headline atMost(String name, double[] perSeed, Bootstrap.Interval ci, double threshold) {
        return new Headline(name, perSeed.clone(), ci, "≤ " + Report.num(threshold), Verdict.atMost(ci, threshold));
    }

    /** A number that tests a claim "≥ threshold". */
    public static Headline atLeast(String name, double[] perSeed, Bootstrap.Interval ci, double threshold) {
        return new Headline(name, perSeed.clone(), ci, "≥ " + Report.num(threshold), Verdict.atLeast(ci, threshold));
    }

    /** A number shown for context only. */
    public static Headline info(String name, double[] perSeed, Bootstrap.Interval ci) {
        return new Headline(name, perSeed.clone(), ci, "", null);
    }

    /** The bootstrap interval over seeds (the point itself for one seed). */
    public static Bootstrap.Interval overSeeds(double[] perSeed, long seed) {
        return Bootstrap.mean(perSeed, seed);
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
                && h.interval.equals(interval) && h.requirement.equals(requirement) && h.verdict == verdict;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(perSeed);
    }

    @Override
    public String toString() {
        return name + " = " + intervalText() + (verdict == null ? "" : " (" + requirement + ": " + verdict.label() + ")");
    }
}
