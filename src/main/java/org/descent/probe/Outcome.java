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
     * The verdict rule of descent, used within a probe and across probes alike: a hypothesis is
     * <ul>
     *   <li>{@link #INCONSISTENT} when any criterion fails (sufficient or necessary);</li>
     *   <li>{@link #CONSISTENT} when no criterion fails and at least one {@link Evidence.Role#SUFFICIENT} criterion
     *       passes (necessary criteria can refute, never confirm);</li>
     *   <li>{@link #INCONCLUSIVE} otherwise (including no evidence, or only necessary criteria passing).</li>
     * </ul>
     */
    public static Outcome of(List<Evidence> evidence) {
        if (evidence.stream().anyMatch(Evidence::refutes)) {
            return INCONSISTENT;
        }
        return evidence.stream().anyMatch(Evidence::confirms) ? CONSISTENT : INCONCLUSIVE;
    }
}
