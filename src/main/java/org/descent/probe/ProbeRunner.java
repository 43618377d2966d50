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
 * A probe that cannot run on the model is skipped; one that throws (an exception or an {@link Error} such as a
 * {@link StackOverflowError} from a drop-in jar) is recorded as failed and the others still run.
 *
 * <p>First of all the model's predictions on the test prompts are checked: when any is NaN or infinite, no probe
 * runs (each is recorded as skipped with the count, the fraction and the first prompts concerned) and the run has
 * no verdicts, because every statistic would either be NaN or silently average over the broken prompts. The check
 * is in {@link ProbeRun#references()} under {@value #PREDICTION_CHECK} and at the top of {@code metrics.json}.
 */
public final class ProbeRunner {
    /** Key of the prediction check in {@link ProbeRun#references()}. */
    public static final String PREDICTION_CHECK = "model_predictions";

    private ProbeRunner() {}

    /**
     * The number of NaN or infinite predictions of the model on the test prompts (0 when they could not be checked:
     * the model threw, and every probe recorded that).
     */
    public static int nonFinitePredictions(ProbeRun run) {
        return run.references().get(PREDICTION_CHECK) instanceof Map<?, ?> m
                && m.get("non_finite") instanceof Number n ? n.intValue() : 0;
    }

    /** Receives progress lines ("gd-alignment ... 1.2 s"); may be a no-op. */
    @FunctionalInterface
    public interface Listener {
        void probeFinished(ProbeResult result, double seconds);
    }

    /**
     * Probes not run on the random-init control: they only add necessary criteria (baseline-distance's OLS verdict is
     * implied by the ridge verdict of hypothesis-ranking through the nesting) or none (prefix-curves) and cost time.
     * layer-iterations does run on it, so the run's control gate sees the control's own layer verdicts. dual-form
     * analyses a random-init control itself, on the same prompts, and tests every metric on its paired margin over it.
     */
    static final java.util.Set<String> NOT_ON_CONTROLS = java.util.Set.of("context-length", "hidden-state-probes",
            "baseline-distance", "prefix-curves", "dual-form");
    /** The controls are probed on the first this-many test prompts of the model's (or all, when fewer). */
    public static final int CONTROL_PROMPTS = 2000;
    /** The only probes run on the two baseline controls (shown for scale; they gate nothing). */
    static final java.util.Set<String> ON_BASELINES = java.util.Set.of("gd-alignment", "pgd-fit",
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
        EvaluationCache.PredictionCheck check;
        try {
            check = cache.check(model);
        } catch (RuntimeException e) {
            check = null; // the probes will each record the failure
        }
        boolean finite = check == null || check.allFinite();
        // The controls run on a second thread while the model's probes run on this one (same prompts, shared
        // references and cached predictions; every shared structure is synchronized, so results do not depend on
        // the interleaving).
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "descent-controls");
            t.setDaemon(true);
            return t;
        });
        java.util.concurrent.Future<List<ProbeRun.ControlRun>> pending = null;
        double[] controlSeconds = {0};
        if (finite) {
            pending = pool.submit(() -> {
                long tc = System.nanoTime();
                List<ProbeRun.ControlRun> out = runControls(model, suite, plan, manager, prompts, references, cache);
                controlSeconds[0] = (System.nanoTime() - tc) / 1e9;
                return out;
            });
        }
        List<ProbeResult> results;
        List<ProbeRun.ControlRun> controls = new ArrayList<>();
        try {
            results = runAll(model, suite, plan, manager, prompts, references, cache, finite ? null : check, listener,
                    seconds);
            if (pending != null) {
                controls = pending.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("probe run interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException("controls: " + cause, cause);
        } finally {
            pool.shutdownNow();
        }
        seconds.put("controls", controlSeconds[0]);
        seconds.put("total", (System.nanoTime() - t0) / 1e9);
        Map<String, Object> refs = new LinkedHashMap<>();
        if (finite) {
            try {
                refs.putAll(references.describe());
            } catch (RuntimeException e) {
                refs.put("error", String.valueOf(e.getMessage()));
            }
        }
        if (check != null) {
            Map<String, Object> c = check.toMap();
            c.put("summary", check.allFinite() ? "all finite" : check.describe());
            refs.put(PREDICTION_CHECK, c);
        }
        String best = results.stream().map(ProbeResult::bestReference).filter(b -> b != null).findFirst().orElse(null);
        ProbeRun.ControlRun random = controls.stream().filter(c -> c.name().equals(Controls.RANDOM_INIT)).findFirst()
                .orElse(null);
        return new ProbeRun(suite, results, seconds, refs, ProbeRun.gate(ProbeRun.conclude(results), random), best,
                controls);
    }

    /** The controls of {@code model} ({@link Controls}), each probed on the first {@link #CONTROL_PROMPTS} prompts. */
    private static List<ProbeRun.ControlRun> runControls(ModelUnderTest model, ProbeSuite suite,
            List<ProbeSuite.Planned> plan, NDManager manager, PromptSource prompts, ReferenceAlgorithms references,
            EvaluationCache cache) {
        PromptSource controlPrompts = prompts.withTestHead(Math.min(CONTROL_PROMPTS, prompts.testCount()));
        EvaluationCache controlCache = cache.head(controlPrompts.testCount());
        List<ProbeSuite.Planned> controlPlan = plan.stream()
                .filter(p -> !NOT_ON_CONTROLS.contains(p.probe().name())).toList();
        List<ProbeSuite.Planned> baselinePlan = plan.stream()
                .filter(p -> ON_BASELINES.contains(p.probe().name())).toList();
        long controlSeed = Seeds.derive(suite.seed(), PromptSource.streamId("control:" + Controls.RANDOM_INIT), 0);
        List<ProbeRun.ControlRun> controls = new ArrayList<>();
        for (Controls.Control c : Controls.of(model, controlSeed, manager)) {
            List<ProbeResult> r = runAll(c.model(), suite, c.name().equals(Controls.RANDOM_INIT) ? controlPlan
                    : baselinePlan, manager, controlPrompts, references, controlCache, null, null, null);
            controls.add(new ProbeRun.ControlRun(c.name(), c.description(), r, ProbeRun.conclude(r)));
        }
        return controls;
    }

    /**
     * Runs every planned probe on one model.
     *
     * @param broken the failed prediction check of the model (then every probe is skipped), or null
     */
    private static List<ProbeResult> runAll(ModelUnderTest model, ProbeSuite suite, List<ProbeSuite.Planned> plan,
            NDManager manager, PromptSource prompts, ReferenceAlgorithms references, EvaluationCache cache,
            EvaluationCache.PredictionCheck broken, Listener listener, Map<String, Double> seconds) {
        BehaviouralFits fits = new BehaviouralFits(prompts.test(), () -> cache.predictions(model));
        List<ProbeResult> results = new ArrayList<>();
        for (ProbeSuite.Planned p : plan) {
            long start = System.nanoTime();
            String name = p.probe().name();
            ProbeResult result;
            Optional<String> unsupported;
            try {
                unsupported = p.probe().unsupportedReason(model);
            } catch (RuntimeException | Error e) {
                unsupported = Optional.empty();
            }
            if (broken != null) {
                result = ProbeResult.skipped(name, "not run: the model's predictions are NaN or infinite on "
                        + broken.describe() + "; verdicts would average over broken predictions");
            } else if (unsupported.isPresent()) {
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
                } catch (RuntimeException | Error e) {
                    // Error: e.g. a LinkageError (a drop-in probe compiled against another descent or missing a
                    // dependency) or a StackOverflowError; the probe failed, the run and its report go on
                    result = ProbeResult.failed(name, e.getClass().getSimpleName()
                            + (e.getMessage() == null ? "" : ": " + e.getMessage()));
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
