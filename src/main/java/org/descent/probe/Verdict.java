package org.descent.probe;

import java.util.List;

/**
 * A probe's verdict on one hypothesis, with the evidence it rests on.
 *
 * @param hypothesis the hypothesis tested (see {@link Hypotheses} for the canonical names)
 * @param outcome consistent, inconsistent or inconclusive
 * @param evidence the criteria measured (possibly empty when the probe could not measure anything)
 * @param note a short explanation (empty when the evidence speaks for itself)
 */
public record Verdict(String hypothesis, Outcome outcome, List<Evidence> evidence, String note) {

    public Verdict {
        if (hypothesis == null || !hypothesis.matches("[a-z0-9][a-z0-9-]*")) {
            throw new IllegalArgumentException("verdict: hypothesis names are lower-case words joined by dashes, got \""
                    + hypothesis + "\"");
        }
        if (outcome == null) {
            throw new IllegalArgumentException("verdict on " + hypothesis + ": an outcome is required");
        }
        evidence = List.copyOf(evidence);
        note = note == null ? "" : note;
    }

    /** A verdict that needs every criterion: see {@link Outcome#allOf}. */
    public static Verdict allOf(String hypothesis, List<Evidence> evidence) {
        return new Verdict(hypothesis, Outcome.allOf(evidence.stream().map(Evidence::outcome).toList()), evidence, "");
    }

    /** A verdict that needs every criterion, with a note. */
    public static Verdict allOf(String hypothesis, List<Evidence> evidence, String note) {
        return new Verdict(hypothesis, Outcome.allOf(evidence.stream().map(Evidence::outcome).toList()), evidence,
                note);
    }

    /** The first (primary) criterion, or null when there is none. */
    public Evidence primary() {
        return evidence.isEmpty() ? null : evidence.get(0);
    }
}
