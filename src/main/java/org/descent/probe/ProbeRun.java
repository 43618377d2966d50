package org.descent.probe;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The outcome of running a suite on one model: every probe's result in suite order, the combined verdict per
 * hypothesis, the best-explaining reference, and timings.
 *
 * @param suite the suite that ran (with command-line overrides applied)
 * @param results one result per planned probe
 * @param seconds wall-clock seconds per probe (by name), plus {@code "total"}
 * @param references what the reference algorithms were built from ({@link ReferenceAlgorithms#describe()})
 * @param summary per hypothesis, the verdicts of all probes combined by {@link Outcome#acrossProbes}
 * @param bestReference the best-explaining reference reported by the first probe that names one, or null
 */
public record ProbeRun(ProbeSuite suite, List<ProbeResult> results, Map<String, Double> seconds,
        Map<String, Object> references, Map<String, Outcome> summary, String bestReference) {

    public ProbeRun {
        results = List.copyOf(results);
        seconds = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(seconds));
        references = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(references));
        summary = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(summary));
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

    /** Combines the verdicts of all probes, hypothesis by hypothesis, in first-seen order. */
    public static Map<String, Outcome> combine(List<ProbeResult> results) {
        Map<String, List<Outcome>> all = new LinkedHashMap<>();
        for (ProbeResult r : results) {
            for (Verdict v : r.verdicts()) {
                all.computeIfAbsent(v.hypothesis(), k -> new java.util.ArrayList<>()).add(v.outcome());
            }
        }
        Map<String, Outcome> out = new LinkedHashMap<>();
        all.forEach((h, list) -> out.put(h, Outcome.acrossProbes(list)));
        return out;
    }
}
