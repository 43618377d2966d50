package org.descent.probe;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.descent.task.Seeds;

/**
 * Runs the probes of a suite on one model, one after the other, sharing prompts, references and cached predictions.
 * A probe that cannot run on the model is skipped; one that throws is recorded as failed and the others still run.
 */
public final class ProbeRunner {
    private ProbeRunner() {}

    /** Receives progress lines ("gd-alignment ... 1.2 s"); may be a no-op. */
    @FunctionalInterface
    public interface Listener {
        void probeFinished(ProbeResult result, double seconds);
    }

    /**
     * Runs {@code plan} on {@code model}.
     *
     * @param suite supplies prompt counts, seed, bootstrap settings
     * @param plan the probes with resolved parameters ({@link ProbeSuite#plan})
     * @param manager DJL manager for sampling and model evaluation (the run's device)
     */
    public static ProbeRun run(ModelUnderTest model, ProbeSuite suite, List<ProbeSuite.Planned> plan,
            NDManager manager, Listener listener) {
        long t0 = System.nanoTime();
        PromptSource prompts = new PromptSource(model.task(), manager, suite.seed(), suite.testPrompts());
        ReferenceAlgorithms references = new ReferenceAlgorithms(prompts, suite.searchPrompts(), suite.ridgeLambda());
        EvaluationCache cache = new EvaluationCache(prompts.test());
        List<ProbeResult> results = new ArrayList<>();
        Map<String, Double> seconds = new LinkedHashMap<>();
        for (ProbeSuite.Planned p : plan) {
            long start = System.nanoTime();
            String name = p.probe().name();
            ProbeResult result;
            Optional<String> unsupported = p.probe().unsupportedReason(model);
            if (unsupported.isPresent()) {
                result = ProbeResult.skipped(name, unsupported.get());
            } else {
                long probeSeed = Seeds.derive(suite.seed(), PromptSource.streamId("probe:" + name), 0);
                ProbeContext ctx = new ProbeContext(model, p.params(), prompts, references,
                        new PromptBootstrap(suite.bootstrapResamples(), suite.confidenceLevel(), probeSeed), probeSeed,
                        manager, cache);
                try {
                    result = p.probe().run(ctx);
                    if (result == null || !name.equals(result.probe())) {
                        result = ProbeResult.failed(name, "the probe returned "
                                + (result == null ? "no result" : "a result named \"" + result.probe() + "\""));
                    }
                } catch (RuntimeException | LinkageError e) {
                    // LinkageError: a drop-in probe compiled against another descent or missing a dependency
                    result = ProbeResult.failed(name, e.getClass().getSimpleName() + ": " + e.getMessage());
                }
            }
            double s = (System.nanoTime() - start) / 1e9;
            seconds.put(name, s);
            results.add(result);
            if (listener != null) {
                listener.probeFinished(result, s);
            }
        }
        seconds.put("total", (System.nanoTime() - t0) / 1e9);
        Map<String, Object> refs;
        try {
            refs = references.describe();
        } catch (RuntimeException e) {
            refs = Map.of("error", String.valueOf(e.getMessage()));
        }
        String best = results.stream().map(ProbeResult::bestReference).filter(b -> b != null).findFirst().orElse(null);
        return new ProbeRun(suite, results, seconds, refs, ProbeRun.combine(results), best);
    }
}
