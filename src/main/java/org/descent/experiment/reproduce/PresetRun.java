package org.descent.experiment.reproduce;

import ai.djl.ndarray.NDManager;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.descent.experiment.ExperimentConfig;
import org.descent.experiment.OneStepGdExperiment;
import org.descent.experiment.Workspace;
import org.descent.task.PromptSet;
import org.descent.task.Seeds;
import org.descent.task.TaskConfig;
import org.descent.task.TaskSamplers;
import org.descent.train.LsaTrainer;

/**
 * The execution context of a preset: seeds, workspace, a DJL manager for evaluations, console output, and helpers
 * that train models (writing their checkpoints) and draw test prompts reproducibly.
 */
public final class PresetRun implements AutoCloseable {
    private final Workspace workspace;
    private final List<Long> seeds;
    private final PrintWriter out;
    private final Function<Integer, LsaTrainer.StepListener> progress;
    private final NDManager manager;
    private final Map<String, Object> timings = new LinkedHashMap<>();
    private final List<String> checkpoints = new ArrayList<>();

    /**
     * @param progress makes a step listener for a run of the given number of steps (a progress bar, or silence)
     */
    public PresetRun(Workspace workspace, List<Long> seeds, PrintWriter out,
            Function<Integer, LsaTrainer.StepListener> progress) {
        if (seeds.isEmpty()) {
            throw new IllegalArgumentException("at least one seed is required");
        }
        this.workspace = workspace;
        this.seeds = List.copyOf(seeds);
        this.out = out;
        this.progress = progress;
        this.manager = NDManager.newBaseManager(workspace.device());
    }

    public List<Long> seeds() {
        return seeds;
    }

    public Workspace workspace() {
        return workspace;
    }

    public NDManager manager() {
        return manager;
    }

    /** Seconds spent per phase, for the manifest. */
    public Map<String, Object> timings() {
        return timings;
    }

    /** Checkpoints written, for the manifest. */
    public List<String> checkpoints() {
        return checkpoints;
    }

    /** Prints a progress line. */
    public void say(String format, Object... args) {
        out.printf(Locale.ROOT, format + "%n", args);
        out.flush();
    }

    /** Trains {@code cfg} with the given seed, writing its checkpoint; records the time under {@code label}. */
    public OneStepGdExperiment.Trained train(String label, ExperimentConfig cfg, long seed) {
        ExperimentConfig seeded = new ExperimentConfig(cfg.task(), cfg.model(), cfg.train().withSeed(seed), cfg.eval());
        say("  training %s (seed %d, %d steps) ...", label, seed, cfg.train().steps());
        LsaTrainer.StepListener listener = progress.apply(cfg.train().steps());
        OneStepGdExperiment.Trained t;
        try {
            t = OneStepGdExperiment.train(seeded, workspace, null, listener);
        } finally {
            if (listener instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Exception e) {
                    // a progress bar that fails to close is not worth failing the run for
                }
            }
        }
        timings.merge("train_s." + label, t.seconds(), (a, b) -> (double) a + (double) b);
        checkpoints.add(t.checkpoint().toString());
        say("  %s: %.1f s, final train loss %.4f", label, t.seconds(), mean(t.state().losses(), 100));
        return t;
    }

    /** {@code count} test prompts of {@code task} drawn from stream {@code stream} of {@code seed}. */
    public PromptSet prompts(TaskConfig task, long seed, long stream, int count) {
        return TaskSamplers.forTask(task).samplePromptSet(manager, count, Seeds.derive(seed, stream, 0));
    }

    /** Adds seconds to a timing entry. */
    public void time(String label, double seconds) {
        timings.merge(label, seconds, (a, b) -> (double) a + (double) b);
    }

    static double mean(float[] a, int tail) {
        double s = 0;
        int from = Math.max(0, a.length - tail);
        for (int i = from; i < a.length; i++) {
            s += a[i];
        }
        return s / Math.max(1, a.length - from);
    }

    @Override
    public void close() {
        manager.close();
    }
}
