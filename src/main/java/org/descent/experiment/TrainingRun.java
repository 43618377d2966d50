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
import org.descent.task.Seeds;
import org.descent.task.TaskSampler;
import org.descent.task.TaskSamplers;
import org.descent.train.Checkpoints;
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
        TaskSampler sampler = TaskSamplers.forTask(cfg.task());
        Map<String, Object> provenance = Provenance.collect(ws.device());
        try (NDManager manager = NDManager.newBaseManager(ws.device())) {
            LsaTrainer trainer = start == null
                    ? LsaTrainer.start(manager, LsaInitialization.gaussian(cfg.task().d(), cfg.model(),
                            Seeds.derive(cfg.train().seed(), Seeds.INIT, 0)), sampler, cfg.train())
                    : LsaTrainer.resume(manager, start, sampler, cfg.train());
            int startStep = trainer.step();
            long t0 = System.nanoTime();
            Saver saver = new Saver(cfg, ws, runId, provenance, resumedFrom, manager, warnings);
            LsaTrainer.CheckpointSink sink = (state, status) -> saver.save(state, status,
                    Map.of("train_s", (System.nanoTime() - t0) / 1e9, "resumed_from_step", startStep));
            trainer.run(listener, sink, stop);
            double seconds = (System.nanoTime() - t0) / 1e9;
            long[] ns = Arrays.copyOfRange(trainer.stepNanos(), startStep, trainer.step());
            Arrays.sort(ns);
            double median = ns.length == 0 ? 0 : ns[ns.length / 2] / 1e6;
            TrainingState state = trainer.snapshot();
            Map<String, Object> timings = new LinkedHashMap<>();
            timings.put("train_s", seconds);
            timings.put("train_step_ms_median", median);
            timings.put("resumed_from_step", startStep);
            Path ckpt = saver.saveFinal(state, timings);
            return new OneStepGdExperiment.Trained(ckpt, state, seconds, median);
        }
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

    /** Writes checkpoints of one run, falling back to the rescue folders for the ones that must not be lost. */
    private static final class Saver {
        private final ExperimentConfig cfg;
        private final Workspace ws;
        private final String runId;
        private final Map<String, Object> provenance;
        private final String resumedFrom;
        private final NDManager manager;
        private final Consumer<String> warnings;

        Saver(ExperimentConfig cfg, Workspace ws, String runId, Map<String, Object> provenance, String resumedFrom,
                NDManager manager, Consumer<String> warnings) {
            this.cfg = cfg;
            this.ws = ws;
            this.runId = runId;
            this.provenance = provenance;
            this.resumedFrom = resumedFrom;
            this.manager = manager;
            this.warnings = warnings;
        }

        private Path write(Path root, TrainingState state, String status, Map<String, Object> timings) {
            return Checkpoints.save(root, runId, state, status, cfg.task(), cfg.model(), cfg.train(), provenance,
                    timings, resumedFrom, ws.command(), cfg, manager);
        }

        /** The sink's save: returns where the checkpoint went, or null for a skipped intermediate one. */
        String save(TrainingState state, String status, Map<String, Object> timings) {
            try {
                return write(ws.modelsDir(), state, status, timings).toString();
            } catch (UncheckedIOException e) {
                if (status.equals("intermediate")) {
                    warnings.accept(String.format(Locale.ROOT, "warning: could not write the intermediate checkpoint "
                            + "at step %d (%s); training goes on and the next checkpoint will be tried as usual",
                            state.step(), e.getMessage()));
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

        Path saveFinal(TrainingState state, Map<String, Object> timings) {
            try {
                return write(ws.modelsDir(), state, "final", timings);
            } catch (UncheckedIOException e) {
                Rescued r = rescue(state, "final", timings, e);
                throw new OutputFailedException(r.message(), e);
            }
        }

        private Rescued rescue(TrainingState state, String status, Map<String, Object> timings,
                UncheckedIOException cause) {
            List<String> failures = new ArrayList<>();
            for (Path root : rescueRoots()) {
                try {
                    Path p = write(root, state, status, timings);
                    return new Rescued(p, String.format(Locale.ROOT, "could not write the %s checkpoint (step %d) to "
                            + "%s: %s. The trained state was saved to %s instead; move that folder into %s when there "
                            + "is room, or use it where it is (descent train --resume / compare --checkpoint)",
                            status, state.step(), ws.modelsDir(), cause.getMessage(), p, ws.modelsDir()));
                } catch (UncheckedIOException | IllegalArgumentException e) {
                    failures.add(root + " (" + e.getMessage() + ")");
                }
            }
            return new Rescued(null, String.format(Locale.ROOT, "could not write the %s checkpoint (step %d) to %s: "
                    + "%s; the rescue folders failed too: %s. The trained state is lost; free some space and run "
                    + "again", status, state.step(), ws.modelsDir(), cause.getMessage(), String.join("; ", failures)));
        }
    }

    private record Rescued(Path path, String message) {}
}
