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

    /** Probes not run on the random-init control: they only add necessary criteria and cost time. */
    static final java.util.Set<String> NOT_ON_CONTROLS = java.util.Set.of("context-length", "hidden-state-probes");
    /** The only probes run on the two baseline controls (shown for scale; they gate nothing). */
    static final java.util.Set<String> ON_BASELINES = java.util.Set.of("gd-alignment", "pgd-fit", "baseline-distance",
            "order-sensitivity");

    /**
     * Runs {@code plan} on {@code model}, then on its {@link Controls} (same prompts, same references), combines the
     * verdicts ({@link ProbeRun#conclude}) and applies the control gate ({@link ProbeRun#gate}).
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
        Map<String, Double> seconds = new LinkedHashMap<>();
        List<ProbeResult> results = runAll(model, suite, plan, manager, prompts, references, cache, listener, seconds);

        long tc = System.nanoTime();
        List<ProbeSuite.Planned> controlPlan = plan.stream()
                .filter(p -> !NOT_ON_CONTROLS.contains(p.probe().name())).toList();
        List<ProbeSuite.Planned> baselinePlan = plan.stream()
                .filter(p -> ON_BASELINES.contains(p.probe().name())).toList();
        List<ProbeRun.ControlRun> controls = new ArrayList<>();
        long controlSeed = Seeds.derive(suite.seed(), PromptSource.streamId("control:" + Controls.RANDOM_INIT), 0);
        for (Controls.Control c : Controls.of(model, controlSeed, manager)) {
            List<ProbeResult> r = runAll(c.model(), suite, c.name().equals(Controls.RANDOM_INIT) ? controlPlan
                    : baselinePlan, manager, prompts, references, cache, null, null);
            controls.add(new ProbeRun.ControlRun(c.name(), c.description(), r, ProbeRun.conclude(r)));
        }
        seconds.put("controls", (System.nanoTime() - tc) / 1e9);
        seconds.put("total", (System.nanoTime() - t0) / 1e9);
        Map<String, Object> refs;
        try {
            refs = references.describe();
        } catch (RuntimeException e) {
            refs = Map.of("error", String.valueOf(e.getMessage()));
        }
        String best = results.stream().map(ProbeResult::bestReference).filter(b -> b != null).findFirst().orElse(null);
        ProbeRun.ControlRun random = controls.stream().filter(c -> c.name().equals(Controls.RANDOM_INIT)).findFirst()
                .orElse(null);
        return new ProbeRun(suite, results, seconds, refs, ProbeRun.gate(ProbeRun.conclude(results), random), best,
                controls);
    }

    private static List<ProbeResult> runAll(ModelUnderTest model, ProbeSuite suite, List<ProbeSuite.Planned> plan,
            NDManager manager, PromptSource prompts, ReferenceAlgorithms references, EvaluationCache cache,
            Listener listener, Map<String, Double> seconds) {
        BehaviouralFits fits = new BehaviouralFits(prompts.test(), () -> cache.predictions(model));
        List<ProbeResult> results = new ArrayList<>();
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
                        manager, cache, fits);
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
            if (seconds != null) {
                seconds.put(name, s);
            }
            results.add(result);
            if (listener != null) {
                listener.probeFinished(result, s);
            }
        }
        return results;
    }
}
