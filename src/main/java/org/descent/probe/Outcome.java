package org.descent.probe;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.List;

/**
 * What the evidence says about one hypothesis: the three verdicts a probe may give.
 *
 * <p>A criterion with a bootstrap interval decides as follows (tolerance t, "at least" direction; "at most" mirrors
 * it): the whole interval at or above t is {@link #CONSISTENT}, the whole interval below t is {@link #INCONSISTENT},
 * an interval that straddles t (or a NaN effect) is {@link #INCONCLUSIVE}.
 */
public enum Outcome {
    CONSISTENT("consistent"),
    INCONSISTENT("inconsistent"),
    INCONCLUSIVE("inconclusive");

    private final String label;

    Outcome(String label) {
        this.label = label;
    }

    /** The lower-case label used in metrics.json and tables. */
    @JsonValue
    public String label() {
        return label;
    }

    @Override
    public String toString() {
        return label;
    }

    /**
     * Combines several outcomes about one hypothesis: any inconsistent makes it inconsistent; otherwise all consistent
     * make it consistent; otherwise inconclusive. An empty list is inconclusive.
     */
    public static Outcome allOf(List<Outcome> outcomes) {
        if (outcomes.isEmpty()) {
            return INCONCLUSIVE;
        }
        if (outcomes.contains(INCONSISTENT)) {
            return INCONSISTENT;
        }
        return outcomes.stream().allMatch(o -> o == CONSISTENT) ? CONSISTENT : INCONCLUSIVE;
    }

    /**
     * Combines the verdicts of several probes about one hypothesis: any inconsistent makes it inconsistent; otherwise
     * at least one consistent makes it consistent (an inconclusive probe adds no evidence); otherwise inconclusive.
     */
    public static Outcome acrossProbes(List<Outcome> outcomes) {
        if (outcomes.contains(INCONSISTENT)) {
            return INCONSISTENT;
        }
        return outcomes.contains(CONSISTENT) ? CONSISTENT : INCONCLUSIVE;
    }
}
