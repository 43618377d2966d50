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
 * @param role whether passing this criterion can confirm a hypothesis ({@link Role#SUFFICIENT}) or only failing it
 *     can refute one ({@link Role#NECESSARY})
 */
public record Evidence(String criterion, @JsonProperty("effect_size") double effectSize, double lower, double upper,
        double level, Comparison comparison, double tolerance, Outcome outcome, Role role) {

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
        if (role == null) {
            throw new IllegalArgumentException("evidence \"" + criterion + "\": a role (sufficient or necessary) is "
                    + "required");
        }
    }

    /** Legacy form (descent 0.1 drop-in probes): a {@link Role#NECESSARY} criterion. */
    public Evidence(String criterion, double effectSize, double lower, double upper, double level,
            Comparison comparison, double tolerance, Outcome outcome) {
        this(criterion, effectSize, lower, upper, level, comparison, tolerance, outcome, Role.NECESSARY);
    }

    /**
     * What a criterion can do for a verdict.
     *
     * <ul>
     *   <li>{@link #SUFFICIENT}: a behavioural match on held-out prompts (the model's predictions equal the
     *       hypothesis's within the tolerance). Passing it confirms the hypothesis, failing it refutes it.</li>
     *   <li>{@link #NECESSARY}: a property every model of the hypothesis has (weight structure, a hidden-state
     *       read-out, a scale-free distance, a sign, order invariance). Failing it refutes the hypothesis; passing it
     *       confirms nothing on its own.</li>
     * </ul>
     */
    public enum Role {
        SUFFICIENT("sufficient"),
        NECESSARY("necessary");

        private final String label;

        Role(String label) {
            this.label = label;
        }

        @JsonValue
        public String label() {
            return label;
        }
    }

    /** This criterion declared {@link Role#SUFFICIENT} (a held-out behavioural match). */
    public Evidence sufficient() {
        return new Evidence(criterion, effectSize, lower, upper, level, comparison, tolerance, outcome,
                Role.SUFFICIENT);
    }

    /** This criterion declared {@link Role#NECESSARY}. */
    public Evidence necessary() {
        return new Evidence(criterion, effectSize, lower, upper, level, comparison, tolerance, outcome,
                Role.NECESSARY);
    }

    /** This criterion with another outcome (e.g. downgraded because a control passes it too). */
    public Evidence withOutcome(Outcome newOutcome) {
        return new Evidence(criterion, effectSize, lower, upper, level, comparison, tolerance, newOutcome, role);
    }

    /** The direction of a criterion. */
    public enum Comparison {
        /** The hypothesis needs effect ≥ tolerance (e.g. a cosine or an R²). */
        AT_LEAST("≥"),
        /** The hypothesis needs effect ≤ tolerance (e.g. a relative distance). */
        AT_MOST("≤"),
        /** The hypothesis needs |effect| ≤ tolerance (an equivalence, e.g. a two-sided gap). */
        WITHIN("|·| ≤");

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
     * Decides a {@link Role#NECESSARY} criterion from a bootstrap interval: consistent when the whole interval
     * satisfies the tolerance, inconsistent when the whole interval violates it, inconclusive when it straddles it or
     * is NaN. Call {@link #sufficient()} on the result for a held-out behavioural match.
     */
    public static Evidence decide(String criterion, Bootstrap.Interval ci, Comparison comparison, double tolerance) {
        Outcome outcome;
        if (comparison == Comparison.WITHIN) {
            return within(criterion, ci, -tolerance, tolerance);
        }
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
                outcome, Role.NECESSARY);
    }

    /**
     * Decides a two-sided criterion {@code low ≤ effect ≤ high} (an equivalence): consistent when the whole interval
     * lies inside, inconsistent when it lies wholly outside, inconclusive otherwise. The tolerance recorded is
     * {@code high}; the comparison is {@link Comparison#WITHIN}.
     */
    public static Evidence within(String criterion, Bootstrap.Interval ci, double low, double high) {
        Outcome outcome;
        if (Double.isNaN(ci.estimate()) || Double.isNaN(ci.lower()) || Double.isNaN(ci.upper())) {
            outcome = Outcome.INCONCLUSIVE;
        } else if (ci.lower() >= low && ci.upper() <= high) {
            outcome = Outcome.CONSISTENT;
        } else if (ci.upper() < low || ci.lower() > high) {
            outcome = Outcome.INCONSISTENT;
        } else {
            outcome = Outcome.INCONCLUSIVE;
        }
        return new Evidence(criterion, ci.estimate(), ci.lower(), ci.upper(), ci.level(), Comparison.WITHIN, high,
                outcome, Role.NECESSARY);
    }

    /**
     * The threshold of "strictly positive" criteria (η &gt; 0, a positive descent margin), so that exactly 0 — a
     * zero step or a zero preconditioner — fails rather than passes.
     */
    public static final double STRICTLY_POSITIVE = Double.MIN_NORMAL;

    /**
     * The smallest descent margin λ_min(sym Γ)/max|λ| that counts as positive definite. A Γ with a null direction takes
     * no step along it, and a least-squares fit of such a Γ lands at rounding level (1e-16 in double, 1e-7 from
     * float32 weights) rather than at 0, so "&gt; 0" alone would call it a descent preconditioner. 1e-6 still admits
     * preconditioners of condition number up to 10⁶.
     */
    public static final double MIN_DESCENT_MARGIN = 1e-6;

    /** A criterion that could not be measured (e.g. too few prompts for a fit): inconclusive, with the reason. */
    public static Evidence unmeasured(String criterion, Comparison comparison, double tolerance) {
        return new Evidence(criterion, Double.NaN, Double.NaN, Double.NaN, 1.0, comparison, tolerance,
                Outcome.INCONCLUSIVE, Role.NECESSARY);
    }

    /** Decides an exact quantity (no sampling, e.g. read off the weights): the interval is the point itself. */
    public static Evidence exact(String criterion, double value, Comparison comparison, double tolerance) {
        return decide(criterion, new Bootstrap.Interval(value, value, value, 1.0, 1), comparison, tolerance);
    }

    /** Whether this criterion can confirm a hypothesis and did. */
    public boolean confirms() {
        return role == Role.SUFFICIENT && outcome == Outcome.CONSISTENT;
    }

    /** Whether this criterion refutes its hypothesis. */
    public boolean refutes() {
        return outcome == Outcome.INCONSISTENT;
    }

    /** The requirement as text, e.g. "≥ 0.999". */
    public String requirement() {
        if (comparison == Comparison.AT_LEAST && tolerance == STRICTLY_POSITIVE) {
            return "> 0";
        }
        return comparison.symbol() + " " + org.descent.report.Report.num(tolerance);
    }

    /** The interval as text, e.g. "[0.99912, 0.99987]". */
    public String intervalText() {
        return String.format(Locale.ROOT, "[%s, %s]", org.descent.report.Report.num(lower),
                org.descent.report.Report.num(upper));
    }
}
