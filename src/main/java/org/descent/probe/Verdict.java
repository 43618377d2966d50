package org.descent.probe;

import java.util.List;

/**
 * A probe's verdict on one hypothesis, with the evidence it rests on. The outcome must follow from the evidence by
 * the rule of {@link Outcome#of}: a verdict claimed {@code consistent} without a passing sufficient criterion, or
 * {@code inconsistent} without a failing criterion, is turned into {@code inconclusive} with a note saying why.
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
        if (outcome == Outcome.CONSISTENT && evidence.stream().noneMatch(Evidence::confirms)) {
            outcome = Outcome.INCONCLUSIVE;
            note = join(note, NECESSARY_ONLY);
        } else if (outcome == Outcome.INCONSISTENT && evidence.stream().noneMatch(Evidence::refutes)) {
            outcome = Outcome.INCONCLUSIVE;
            note = join(note, "no criterion failed");
        }
    }

    /** The note on a verdict whose criteria all pass but are only necessary. */
    public static final String NECESSARY_ONLY = "necessary criteria pass; they can refute, not confirm";

    private static String join(String a, String b) {
        return a.isEmpty() ? b : a + "; " + b;
    }

    /** The verdict the evidence gives by the rule of {@link Outcome#of}. */
    public static Verdict of(String hypothesis, List<Evidence> evidence) {
        return of(hypothesis, evidence, "");
    }

    /** The verdict the evidence gives by the rule of {@link Outcome#of}, with a note. */
    public static Verdict of(String hypothesis, List<Evidence> evidence, String note) {
        Outcome o = Outcome.of(evidence);
        boolean necessaryOnly = o == Outcome.INCONCLUSIVE && !evidence.isEmpty()
                && evidence.stream().allMatch(e -> e.outcome() == Outcome.CONSISTENT);
        return new Verdict(hypothesis, o, evidence, necessaryOnly ? join(note == null ? "" : note, NECESSARY_ONLY)
                : note);
    }

    /** Same as {@link #of(String, List)} (the name used by descent 0.1 drop-in probes). */
    public static Verdict allOf(String hypothesis, List<Evidence> evidence) {
        return of(hypothesis, evidence);
    }

    /** Same as {@link #of(String, List, String)}. */
    public static Verdict allOf(String hypothesis, List<Evidence> evidence, String note) {
        return of(hypothesis, evidence, note);
    }

    /** The first (primary) criterion, or null when there is none. */
    public Evidence primary() {
        return evidence.isEmpty() ? null : evidence.get(0);
    }
}
