package org.descent.experiment.reproduce;

import org.descent.compare.Bootstrap;

/** The outcome of testing one claim against a confidence interval. */
public enum Verdict {
    SUPPORTED("supported"),
    NOT_SUPPORTED("not supported"),
    INCONCLUSIVE("inconclusive");

    private final String label;

    Verdict(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** Claim "metric ≤ threshold": supported when the whole interval is below, refuted when the whole is above. */
    public static Verdict atMost(Bootstrap.Interval ci, double threshold) {
        if (ci.upper() <= threshold) {
            return SUPPORTED;
        }
        return ci.lower() > threshold ? NOT_SUPPORTED : INCONCLUSIVE;
    }

    /** Claim "metric ≥ threshold". */
    public static Verdict atLeast(Bootstrap.Interval ci, double threshold) {
        if (ci.lower() >= threshold) {
            return SUPPORTED;
        }
        return ci.upper() < threshold ? NOT_SUPPORTED : INCONCLUSIVE;
    }

    /**
     * Two-sided (equivalence) claim "lo ≤ metric ≤ hi": supported when the whole interval lies inside [lo, hi], refuted
     * when the whole interval lies outside it (on either side), inconclusive when it straddles an end. This is the
     * interval-inclusion form of two one-sided tests (TOST).
     */
    public static Verdict within(Bootstrap.Interval ci, double lo, double hi) {
        if (!(lo <= hi)) {
            throw new IllegalArgumentException("equivalence range: need lo <= hi, got [" + lo + ", " + hi + "]");
        }
        if (ci.lower() >= lo && ci.upper() <= hi) {
            return SUPPORTED;
        }
        return ci.upper() < lo || ci.lower() > hi ? NOT_SUPPORTED : INCONCLUSIVE;
    }

    /** The conjunction of several verdicts: any refutation refutes, any doubt leaves it open. */
    public static Verdict all(Iterable<Verdict> verdicts) {
        boolean open = false;
        for (Verdict v : verdicts) {
            if (v == NOT_SUPPORTED) {
                return NOT_SUPPORTED;
            }
            open |= v == INCONCLUSIVE;
        }
        return open ? INCONCLUSIVE : SUPPORTED;
    }
}
