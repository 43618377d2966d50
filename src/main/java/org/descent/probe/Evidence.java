package org.descent.probe;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;
import org.descent.compare.Bootstrap;

/**
 * One criterion a verdict rests on: an effect size with its bootstrap interval over prompts, compared with a
 * tolerance from the suite file.
 *
 * @param criterion what was measured, e.g. "model cos vs GD(η_fit)"
 * @param effectSize the statistic on all prompts
 * @param lower lower end of the interval (equal to the effect for exact, non-sampled quantities such as weights)
 * @param upper upper end of the interval
 * @param level coverage of the interval, e.g. 0.95 (1 for exact quantities)
 * @param comparison whether the hypothesis needs the effect at least or at most the tolerance
 * @param tolerance the threshold used (from the suite file)
 * @param outcome the decision (see {@link Outcome})
 */
public record Evidence(String criterion, @JsonProperty("effect_size") double effectSize, double lower, double upper,
        double level, Comparison comparison, double tolerance, Outcome outcome) {

    public Evidence {
        if (criterion == null || criterion.isBlank()) {
            throw new IllegalArgumentException("evidence: a criterion name is required");
        }
        if (comparison == null || outcome == null) {
            throw new IllegalArgumentException("evidence \"" + criterion + "\": comparison and outcome are required");
        }
        if (!(level > 0 && level <= 1)) {
            throw new IllegalArgumentException("evidence \"" + criterion + "\": level must be in (0, 1], got " + level);
        }
    }

    /** The direction of a criterion. */
    public enum Comparison {
        /** The hypothesis needs effect ≥ tolerance (e.g. a cosine or an R²). */
        AT_LEAST("≥"),
        /** The hypothesis needs effect ≤ tolerance (e.g. a relative distance). */
        AT_MOST("≤");

        private final String symbol;

        Comparison(String symbol) {
            this.symbol = symbol;
        }

        @JsonValue
        public String symbol() {
            return symbol;
        }
    }

    /**
     * Decides a criterion from a bootstrap interval: consistent when the whole interval satisfies the tolerance,
     * inconsistent when the whole interval violates it, inconclusive when it straddles it or is NaN.
     */
    public static Evidence decide(String criterion, Bootstrap.Interval ci, Comparison comparison, double tolerance) {
        Outcome outcome;
        if (Double.isNaN(ci.estimate()) || Double.isNaN(ci.lower()) || Double.isNaN(ci.upper())) {
            outcome = Outcome.INCONCLUSIVE;
        } else if (comparison == Comparison.AT_LEAST) {
            outcome = ci.lower() >= tolerance ? Outcome.CONSISTENT
                    : ci.upper() < tolerance ? Outcome.INCONSISTENT : Outcome.INCONCLUSIVE;
        } else {
            outcome = ci.upper() <= tolerance ? Outcome.CONSISTENT
                    : ci.lower() > tolerance ? Outcome.INCONSISTENT : Outcome.INCONCLUSIVE;
        }
        return new Evidence(criterion, ci.estimate(), ci.lower(), ci.upper(), ci.level(), comparison, tolerance,
                outcome);
    }

    /** Decides an exact quantity (no sampling, e.g. read off the weights): the interval is the point itself. */
    public static Evidence exact(String criterion, double value, Comparison comparison, double tolerance) {
        return decide(criterion, new Bootstrap.Interval(value, value, value, 1.0, 1), comparison, tolerance);
    }

    /** The requirement as text, e.g. "≥ 0.999". */
    public String requirement() {
        return comparison.symbol() + " " + org.descent.report.Report.num(tolerance);
    }

    /** The interval as text, e.g. "[0.99912, 0.99987]". */
    public String intervalText() {
        return String.format(Locale.ROOT, "[%s, %s]", org.descent.report.Report.num(lower),
                org.descent.report.Report.num(upper));
    }
}
