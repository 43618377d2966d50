package org.descent.experiment;

import ai.djl.ndarray.NDManager;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.descent.model.LsaInitialization;
import org.descent.model.gpt2.Gpt2Config;
import org.descent.model.gpt2.Gpt2Weights;
import org.descent.task.Seeds;
import org.descent.task.TaskSampler;
import org.descent.task.TaskSamplers;
import org.descent.task.layout.PromptLayout;
import org.descent.train.AdamOptimizer;
import org.descent.train.BatchSource;
import org.descent.train.Checkpoints;
import org.descent.train.Gpt2Checkpoints;
import org.descent.train.Gpt2Model;
import org.descent.train.Gpt2TrainingState;
import org.descent.train.ModelTrainer;
import org.descent.train.TrainConfig;
import org.descent.train.LsaTrainer;
import org.descent.train.StopSignal;
import org.descent.train.TrainingState;
import org.descent.util.OutputFailedException;
import org.descent.util.Provenance;
import org.descent.util.RunDirectory;

/**
 * One training run: a run id, the trainer, and every checkpoint it writes ({@code <models>/<run-id>-step<k>}, whose
 * manifests carry that run id). Finished work is never thrown away: when a checkpoint cannot be written where it
 * belongs (disk full, folder gone read-only), an intermediate one is skipped with a warning and the run goes on, and
 * a final, diverged or interrupted one is written to a rescue folder ({@link #rescueRoots()}) and the run ends with
 * {@link OutputFailedException} naming where the state is.
 */
public final class TrainingRun {
    /** System property naming the first rescue folder (default: $DESCENT_RESCUE_DIR, then the temp folder). */
    public static final String RESCUE_PROPERTY = "descent.rescue.dir";

    private TrainingRun() {}

    /**
     * Trains from scratch (or continues {@code start}) and writes the final checkpoint.
     *
     * @param start a loaded checkpoint's state, or null for a fresh run
     * @param resumedFrom the folder {@code start} came from (recorded in manifests), or null
     * @param stop checked after every step; when raised the run saves an {@code interrupted} checkpoint and throws
     *     {@link org.descent.train.TrainingInterruptedException}
     * @param warnings receives one-line warnings (an intermediate checkpoint that could not be written)
     * @throws OutputFailedException when the final checkpoint could not be written to {@code ws.modelsDir()}, after
     *     writing it to a rescue folder (the message says where) or failing to (the message says so)
     */
    public static OneStepGdExperiment.Trained train(ExperimentConfig cfg, Workspace ws, TrainingState start,
            String resumedFrom, LsaTrainer.StepListener listener, StopSignal stop, Consumer<String> warnings) {
        return train(cfg, ws, RunDirectory.newRunId("train"), start, resumedFrom, listener, stop, warnings);
    }

    /** As above with a given run id (its checkpoints are {@code <runId>-step<k>}). */
    public static OneStepGdExperiment.Trained train(ExperimentConfig cfg, Workspace ws, String runId,
            TrainingState start, String resumedFrom, LsaTrainer.StepListener listener, StopSignal stop,
            Consumer<String> warnings) {
        if (cfg.model().isGpt2()) {
            throw new IllegalArgumentException("TrainingRun.train trains the LSA; use trainGpt2 for arch gpt2");
        }
        if (cfg.train().curriculum() != null) {
            throw new IllegalArgumentException("train: a curriculum applies to arch gpt2, not to the LSA");
        }
        TaskSampler sampler = TaskSamplers.forTask(cfg.task());
        Map<String, Object> provenance = Provenance.collect(ws.device());
        try (NDManager manager = NDManager.newBaseManager(ws.device())) {
            LsaTrainer trainer = start == null
                    ? LsaTrainer.start(manager, LsaInitialization.gaussian(cfg.task().d(), cfg.model(),
                            Seeds.derive(cfg.train().seed(), Seeds.INIT, 0)), sampler, cfg.train())
                    : LsaTrainer.resume(manager, start, sampler, cfg.train());
            Saver<TrainingState> saver = new Saver<>(ws, TrainingState::step, (root, state, status, timings) ->
                    Checkpoints.save(root, runId, state, status, cfg.task(), cfg.model(), cfg.train(), provenance,
                            timings, resumedFrom, ws.command(), cfg, manager), warnings);
            Finished<TrainingState> done = run(trainer.trainer(), saver, listener, stop, Map.of());
            return new OneStepGdExperiment.Trained(done.checkpoint(), done.state(), done.seconds(),
                    done.medianStepMs());
        }
    }

    /**
     * A GPT-2 run's result.
     *
     * @param checkpoint the final checkpoint folder
     * @param state the trained state
     * @param evaluation error vs k on held-out prompts (also in the checkpoint's {@code metrics.json})
     */
    public record Gpt2Trained(Path checkpoint, Gpt2TrainingState state, double seconds, double medianStepMs,
            Gpt2Evaluation evaluation) {}

    /** Held-out prompts of the final evaluation of a GPT-2 run (and as many for fitting one-step GD's η). */
    public static final int GPT2_EVAL_PROMPTS = 2000;

    /**
     * Trains a GPT-2 regressor (arch {@code gpt2}) from scratch or from {@code start}, evaluates error vs k on
     * held-out prompts and writes the final checkpoint with that evaluation ({@code metrics.json}, {@code report.md}).
     * Otherwise as {@link #train}.
     */
    public static Gpt2Trained trainGpt2(ExperimentConfig cfg, Workspace ws, String runId, Gpt2TrainingState start,
            String resumedFrom, ModelTrainer.StepListener listener, StopSignal stop, Consumer<String> warnings) {
        if (!cfg.model().isGpt2()) {
            throw new IllegalArgumentException("TrainingRun.trainGpt2 trains arch gpt2, not " + cfg.model().architecture());
        }
        Gpt2Config arch = cfg.model().gpt2Config(cfg.task());
        PromptLayout layout = cfg.model().promptLayout();
        Map<String, Object> provenance = Provenance.collect(ws.device());
        try (NDManager manager = NDManager.newBaseManager(ws.device())) {
            Gpt2Model model = Gpt2Model.of(manager, start == null
                    ? Gpt2Weights.initialize(arch, Seeds.derive(cfg.train().seed(), Seeds.INIT, 0)) : start.weights(),
                    layout);
            ModelTrainer<Gpt2TrainingState> trainer = gpt2Trainer(manager, model, cfg, start);
            Gpt2Evaluation[] evaluated = new Gpt2Evaluation[1]; // of the final state, computed once
            Saver<Gpt2TrainingState> saver = new Saver<>(ws, Gpt2TrainingState::step, (root, state, status, timings)
                    -> {
                Map<String, String> extra = Map.of();
                if (status.equals("final")) {
                    if (evaluated[0] == null) {
                        evaluated[0] = evaluation(cfg, state, manager);
                    }
                    extra = finalReport(runId, cfg, state, evaluated[0]);
                }
                return Gpt2Checkpoints.save(root, runId, state, status, cfg, provenance, timings, resumedFrom,
                        ws.command(), extra);
            }, warnings);
            Finished<Gpt2TrainingState> done = run(trainer, saver, listener, stop, Map.of());
            return new Gpt2Trained(done.checkpoint(), done.state(), done.seconds(), done.medianStepMs(),
                    evaluated[0]);
        }
    }

    /** The architecture-free trainer of a GPT-2 model, fresh or continuing {@code start}. */
    public static ModelTrainer<Gpt2TrainingState> gpt2Trainer(NDManager manager, Gpt2Model model,
            ExperimentConfig cfg, Gpt2TrainingState start) {
        TrainConfig tc = cfg.train();
        BatchSource source = tc.curriculum() == null ? BatchSource.of(TaskSamplers.forTask(cfg.task()), tc)
                : tc.curriculum().source(cfg.task(), tc);
        AdamOptimizer adam = start == null ? AdamOptimizer.fresh(tc, model.parameters())
                : ModelTrainer.restoreAdam(manager, tc, model.parameters(), start.adamMeans(), start.adamVariances(),
                        start.step());
        return new ModelTrainer<>(manager, model, source, tc, (params, means, vars, step, losses) ->
                new Gpt2TrainingState(model.weightsFrom(params), means, vars, step, losses), adam,
                start == null ? 0 : start.step(), start == null ? new float[0] : start.losses());
    }

    private static Gpt2Evaluation evaluation(ExperimentConfig cfg, Gpt2TrainingState state, NDManager manager) {
        return Gpt2Evaluation.run(state.weights(), cfg.model().promptLayout(), cfg.task(), cfg.train().seed(),
                GPT2_EVAL_PROMPTS, manager);
    }

    /** {@code metrics.json} and {@code report.md} of a finished GPT-2 run. */
    private static Map<String, String> finalReport(String runId, ExperimentConfig cfg, Gpt2TrainingState state,
            Gpt2Evaluation e) {
        org.descent.util.RunMetrics metrics = new org.descent.util.RunMetrics(runId, "train");
        float[] losses = state.losses();
        metrics.metric("final_loss", "training loss of the last step", losses[losses.length - 1]);
        e.addTo(metrics);
        Map<String, String> out = new LinkedHashMap<>();
        out.put("metrics.json", org.descent.util.Json.write(metrics.toMap()));
        double[] x = java.util.Arrays.stream(e.k()).asDoubleStream().toArray();
        List<org.descent.report.Plots.Curve> curves = new ArrayList<>();
        e.curves().forEach((key, y) -> curves.add(new org.descent.report.Plots.Curve(Gpt2Evaluation.LABELS.get(key),
                x, y)));
        out.put("error_vs_k.svg", new String(org.descent.report.Plots.curves("Error vs in-context examples",
                "in-context examples k", "MSE / zero predictor's MSE", curves, false).svg(),
                java.nio.charset.StandardCharsets.UTF_8));
        out.put("loss.svg", new String(org.descent.report.Plots.lossCurve(losses, List.of()).svg(),
                java.nio.charset.StandardCharsets.UTF_8));
        out.put("report.md", String.format(Locale.ROOT, "# GPT-2 training run %s%n%nTask: d = %d, N = %d, inputs %s; "
                + "model: %d layers, %d heads, width %d, layout %s; %d steps, batch %d, lr %s%s.%n%n"
                + "## Error vs in-context examples k%n%nMSE of each predictor for the (k+1)-th input from the first "
                + "k pairs, divided by the zero predictor's MSE over all positions (%.4f), on %d held-out prompts; "
                + "one GD step from w = 0 with η fitted per k on as many other prompts.%n%n%s%n"
                + "![error vs k](error_vs_k.svg)%n%n## Training loss%n%n![training loss](loss.svg)%n", runId,
                cfg.task().d(), cfg.task().n(), cfg.task().inputs(), cfg.model().layers(), cfg.model().heads(),
                cfg.model().width(), cfg.model().layout(), cfg.train().steps(), cfg.train().batchSize(),
                cfg.train().lr(), cfg.train().curriculum() == null ? "" : ", curriculum " + cfg.train().curriculum(),
                e.normaliser(), e.prompts(), e.table()));
        return out;
    }

    /** What {@link #run} gives back. */
    private record Finished<S>(Path checkpoint, S state, double seconds, double medianStepMs) {}

    /** Runs the trainer to its last step and writes the final checkpoint, whatever the architecture. */
    private static <S> Finished<S> run(ModelTrainer<S> trainer, Saver<S> saver, ModelTrainer.StepListener listener,
            StopSignal stop, Map<String, Object> more) {
        int startStep = trainer.step();
        long t0 = System.nanoTime();
        ModelTrainer.StateSink<S> sink = (state, status) -> saver.save(state, status,
                Map.of("train_s", (System.nanoTime() - t0) / 1e9, "resumed_from_step", startStep));
        trainer.run(listener, sink, stop);
        double seconds = (System.nanoTime() - t0) / 1e9;
        long[] ns = Arrays.copyOfRange(trainer.stepNanos(), startStep, trainer.step());
        Arrays.sort(ns);
        double median = ns.length == 0 ? 0 : ns[ns.length / 2] / 1e6;
        S state = trainer.snapshot();
        Map<String, Object> timings = new LinkedHashMap<>(more);
        timings.put("train_s", seconds);
        timings.put("train_step_ms_median", median);
        timings.put("resumed_from_step", startStep);
        Path ckpt = saver.saveFinal(state, timings);
        return new Finished<>(ckpt, state, seconds, median);
    }

    /** Where checkpoints go when the models folder cannot take them, in order of preference. */
    public static List<Path> rescueRoots() {
        List<Path> out = new ArrayList<>();
        String prop = System.getProperty(RESCUE_PROPERTY);
        if (prop != null && !prop.isBlank()) {
            out.add(Path.of(prop));
        }
        String env = System.getenv("DESCENT_RESCUE_DIR");
        if (env != null && !env.isBlank()) {
            out.add(Path.of(env));
        }
        out.add(Path.of(System.getProperty("java.io.tmpdir"), "descent-rescue"));
        out.add(Path.of(System.getProperty("user.home"), "descent-rescue"));
        return out;
    }

    /** Writes one checkpoint of a state under a root folder. */
    private interface Writer<S> {
        Path write(Path root, S state, String status, Map<String, Object> timings);
    }

    /** Writes checkpoints of one run, falling back to the rescue folders for the ones that must not be lost. */
    private static final class Saver<S> {
        private final Workspace ws;
        private final java.util.function.ToIntFunction<S> steps;
        private final Writer<S> writer;
        private final Consumer<String> warnings;

        Saver(Workspace ws, java.util.function.ToIntFunction<S> steps, Writer<S> writer, Consumer<String> warnings) {
            this.ws = ws;
            this.steps = steps;
            this.writer = writer;
            this.warnings = warnings;
        }

        private Path write(Path root, S state, String status, Map<String, Object> timings) {
            return writer.write(root, state, status, timings);
        }

        /** The sink's save: returns where the checkpoint went, or null for a skipped intermediate one. */
        String save(S state, String status, Map<String, Object> timings) {
            try {
                return write(ws.modelsDir(), state, status, timings).toString();
            } catch (UncheckedIOException e) {
                if (status.equals("intermediate")) {
                    warnings.accept(String.format(Locale.ROOT, "warning: could not write the intermediate checkpoint "
                            + "at step %d (%s); training goes on and the next checkpoint will be tried as usual",
                            steps.applyAsInt(state), e.getMessage()));
                    return null;
                }
                Rescued r = rescue(state, status, timings, e);
                if (r.path() == null) {
                    throw new OutputFailedException(r.message(), e);
                }
                warnings.accept("warning: " + r.message());
                return r.path().toString();
            }
        }

        Path saveFinal(S state, Map<String, Object> timings) {
            try {
                return write(ws.modelsDir(), state, "final", timings);
            } catch (UncheckedIOException e) {
                Rescued r = rescue(state, "final", timings, e);
                throw new OutputFailedException(r.message(), e);
            }
        }

        private Rescued rescue(S state, String status, Map<String, Object> timings, UncheckedIOException cause) {
            List<String> failures = new ArrayList<>();
            int step = steps.applyAsInt(state);
            for (Path root : rescueRoots()) {
                try {
                    Path p = write(root, state, status, timings);
                    return new Rescued(p, String.format(Locale.ROOT, "could not write the %s checkpoint (step %d) to "
                            + "%s: %s. The trained state was saved to %s instead; move that folder into %s when there "
                            + "is room, or use it where it is (descent train --resume / compare --checkpoint)",
                            status, step, ws.modelsDir(), cause.getMessage(), p, ws.modelsDir()));
                } catch (UncheckedIOException | IllegalArgumentException e) {
                    failures.add(root + " (" + e.getMessage() + ")");
                }
            }
            return new Rescued(null, String.format(Locale.ROOT, "could not write the %s checkpoint (step %d) to %s: "
                    + "%s; the rescue folders failed too: %s. The trained state is lost; free some space and run "
                    + "again", status, step, ws.modelsDir(), cause.getMessage(), String.join("; ", failures)));
        }
    }

    private record Rescued(Path path, String message) {}
}
