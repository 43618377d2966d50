package org.descent.probe;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The outcome of running a suite on one model: every probe's result in suite order, the combined conclusion per
 * hypothesis (after the control gate), the best-explaining algorithm, the controls' own runs, and timings.
 *
 * @param suite the suite that ran (with command-line overrides applied)
 * @param results one result per planned probe
 * @param seconds wall-clock seconds per probe (by name), plus {@code "controls"} and {@code "total"}
 * @param references what the reference algorithms were built from ({@link ReferenceAlgorithms#describe()})
 * @param conclusions per hypothesis, the combined verdict ({@link #conclude}) after the control gate
 * @param bestReference the best-explaining algorithm reported by the first probe that names one, or null
 * @param controls the same probes run on each control model ({@link Controls}), in order
 */
public record ProbeRun(ProbeSuite suite, List<ProbeResult> results, Map<String, Double> seconds,
        Map<String, Object> references, Map<String, Conclusion> conclusions, String bestReference,
        List<ControlRun> controls) {

    public ProbeRun {
        results = List.copyOf(results);
        seconds = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(seconds));
        references = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(references));
        conclusions = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(conclusions));
        controls = List.copyOf(controls);
    }

    /**
     * A control model's run.
     *
     * @param name the control ({@link Controls})
     * @param description one line
     * @param results its probe results
     * @param conclusions its combined verdicts (no gate)
     */
    public record ControlRun(String name, String description, List<ProbeResult> results,
            Map<String, Conclusion> conclusions) {
        public ControlRun {
            results = List.copyOf(results);
            conclusions = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(conclusions));
        }
    }

    /** Per hypothesis, the combined outcome. */
    public Map<String, Outcome> summary() {
        Map<String, Outcome> out = new LinkedHashMap<>();
        conclusions.forEach((h, c) -> out.put(h, c.outcome()));
        return out;
    }

    /** The control called {@code name}, if it ran. */
    public java.util.Optional<ControlRun> control(String name) {
        return controls.stream().filter(c -> c.name().equals(name)).findFirst();
    }

    /**
     * The control gate: an algorithm hypothesis ({@link Hypotheses#FULL_BATCH}, and any hypothesis a probe adds)
     * stays consistent only when the random-init control of the same architecture is inconsistent with it; otherwise
     * the criterion does not discriminate a trained model from an untrained one, and the verdict becomes
     * inconclusive. Order invariance is a property of the architecture, not a learned algorithm, and is not gated.
     */
    public static Map<String, Conclusion> gate(Map<String, Conclusion> model, ControlRun randomInit) {
        if (randomInit == null) {
            return model;
        }
        Map<String, Conclusion> out = new LinkedHashMap<>();
        model.forEach((h, c) -> {
            Conclusion control = randomInit.conclusions().get(h);
            Outcome co = control == null ? Outcome.INCONCLUSIVE : control.outcome();
            if (c.outcome() == Outcome.CONSISTENT && !h.equals(Hypotheses.ORDER_INVARIANT)
                    && co != Outcome.INCONSISTENT) {
                out.put(h, c.downgraded(Outcome.INCONCLUSIVE, "not discriminative: the " + Controls.RANDOM_INIT
                        + " control of the same architecture is " + co + " with it too (" + c.reason() + ")"));
            } else {
                out.put(h, c);
            }
        });
        return out;
    }

    /** Whether any probe failed (threw). */
    public boolean anyFailed() {
        return results.stream().anyMatch(r -> r.status() == ProbeResult.Status.FAILED);
    }

    /** The result of the probe called {@code name}. */
    public ProbeResult result(String name) {
        return results.stream().filter(r -> r.probe().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no probe \"" + name + "\" ran"));
    }

    /**
     * A criterion as it entered a combined verdict.
     *
     * @param probe the probe that measured it
     * @param hypothesis the hypothesis it was measured for (another one than the conclusion's when it was inherited
     *     through the nesting of {@link Hypotheses#PARENTS})
     * @param evidence the criterion
     */
    public record Attributed(String probe, String hypothesis, Evidence evidence) {
        /** "probe: criterion", plus the hypothesis when inherited from another one. */
        public String describe(String forHypothesis) {
            return probe + ": " + evidence.criterion() + (hypothesis.equals(forHypothesis) ? "" : " (via " + hypothesis
                    + ")");
        }
    }

    /**
     * The combined verdict on one hypothesis.
     *
     * @param hypothesis the hypothesis
     * @param outcome by the rule of {@link Outcome#of} over every criterion that bears on it
     * @param reason one line: the criterion that decided it, or why nothing did
     * @param evidence every criterion that bears on it, own and inherited
     */
    public record Conclusion(String hypothesis, Outcome outcome, String reason, List<Attributed> evidence) {
        public Conclusion {
            evidence = List.copyOf(evidence);
        }

        /** The same conclusion with another outcome and reason (e.g. downgraded by a control). */
        public Conclusion downgraded(Outcome to, String why) {
            return new Conclusion(hypothesis, to, why, evidence);
        }
    }

    /**
     * Combines the verdicts of all probes, hypothesis by hypothesis, with one rule ({@link Outcome#of}) over all the
     * criteria that bear on a hypothesis: its own criteria from every probe, the passing sufficient criteria of the
     * hypotheses it contains (a match with one GD step is a match with a preconditioned step), and the failing
     * criteria of the hypotheses that contain it (a model that is not order-invariant runs no full-batch algorithm).
     * The result is coherent: a nested hypothesis is never more consistent than one that contains it.
     */
    public static Map<String, Conclusion> conclude(List<ProbeResult> results) {
        Map<String, List<Attributed>> own = new LinkedHashMap<>();
        for (ProbeResult r : results) {
            for (Verdict v : r.verdicts()) {
                List<Attributed> list = own.computeIfAbsent(v.hypothesis(), k -> new java.util.ArrayList<>());
                v.evidence().forEach(e -> list.add(new Attributed(r.probe(), v.hypothesis(), e)));
            }
        }
        // every hypothesis measured, and every canonical one that inherits evidence through the nesting
        List<String> order = new java.util.ArrayList<>();
        Hypotheses.ALL.stream().filter(h -> own.containsKey(h)
                || Hypotheses.descendants(h).stream().anyMatch(own::containsKey)
                || Hypotheses.ancestors(h).stream().anyMatch(own::containsKey)).forEach(order::add);
        own.keySet().stream().filter(h -> !order.contains(h)).forEach(order::add);
        Map<String, Conclusion> out = new LinkedHashMap<>();
        for (String h : order) {
            List<Attributed> all = new java.util.ArrayList<>(own.getOrDefault(h, List.of()));
            for (String child : new java.util.TreeSet<>(Hypotheses.descendants(h))) {
                own.getOrDefault(child, List.of()).stream().filter(a -> a.evidence().confirms()).forEach(all::add);
            }
            for (String parent : new java.util.TreeSet<>(Hypotheses.ancestors(h))) {
                own.getOrDefault(parent, List.of()).stream().filter(a -> a.evidence().refutes()).forEach(all::add);
            }
            Outcome o = Outcome.of(all.stream().map(Attributed::evidence).toList());
            out.put(h, new Conclusion(h, o, reason(h, o, all), all));
        }
        return out;
    }

    private static String reason(String h, Outcome o, List<Attributed> all) {
        if (o == Outcome.INCONSISTENT) {
            Attributed a = all.stream().filter(x -> x.evidence().refutes()).findFirst().orElseThrow();
            return "fails " + a.describe(h) + " = " + org.descent.report.Report.num(a.evidence().effectSize())
                    + " (needs " + a.evidence().requirement() + ")";
        }
        if (o == Outcome.CONSISTENT) {
            Attributed a = all.stream().filter(x -> x.evidence().confirms()).findFirst().orElseThrow();
            return "passes " + a.describe(h) + " = " + org.descent.report.Report.num(a.evidence().effectSize())
                    + " (needs " + a.evidence().requirement() + "); no criterion fails";
        }
        boolean anySufficient = all.stream().anyMatch(a -> a.evidence().role() == Evidence.Role.SUFFICIENT);
        if (!anySufficient) {
            return all.isEmpty() ? "no criterion could be measured"
                    : "only necessary criteria were measured; they can refute, not confirm";
        }
        return "no sufficient criterion passed on its whole interval, and none failed";
    }

    /** The combined outcomes of {@link #conclude}, hypothesis → outcome. */
    public static Map<String, Outcome> combine(List<ProbeResult> results) {
        Map<String, Outcome> out = new LinkedHashMap<>();
        conclude(results).forEach((h, c) -> out.put(h, c.outcome()));
        return out;
    }
}
