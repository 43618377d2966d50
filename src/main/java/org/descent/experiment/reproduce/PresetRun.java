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
    private final org.descent.util.Npz predictions = new org.descent.util.Npz();
    private final org.descent.util.Npz weights = new org.descent.util.Npz();
    private final Map<PromptSet, Map<String, org.descent.util.Npz.Array>> truths = new java.util.IdentityHashMap<>();
    private String kind = "reproduce";
    private ExperimentConfig config;

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

    /**
     * Records this run as {@code kind} in its report files ({@code reproduce} by default; {@code verify} for
     * {@code descent verify --seeds S}, whose manifest then holds {@code config} so that it re-runs).
     */
    public PresetRun recordedAs(String kind, ExperimentConfig config) {
        this.kind = kind;
        this.config = config;
        return this;
    }

    /** The kind of run its report files record. */
    public String kind() {
        return kind;
    }

    /** The experiment config a {@code verify} run records, or null. */
    public ExperimentConfig config() {
        return config;
    }

    /**
     * Keeps per-prompt values for {@code predictions.npz} (README, "Output schema"), e.g.
     * {@code seed0.pred.trained [B]}; names as in {@link org.descent.util.Npz}.
     */
    public void output(String name, double[] perPrompt) {
        predictions.put(name, perPrompt);
    }

    /** Keeps per-prompt rows (Jacobians {@code [B, d]}, prefix predictions {@code [B, N]}) for predictions.npz. */
    public void output(String name, double[][] perPrompt) {
        predictions.put(name, perPrompt);
    }

    /**
     * Keeps test prompts for predictions.npz under {@code prefix}: {@code <prefix>tokens}, {@code <prefix>targets} and,
     * for prompts drawn by {@link #prompts} from the test stream, their ground truth ({@code <prefix>w}, ...).
     */
    public void outputPrompts(String prefix, PromptSet prompts) {
        predictions.put(prefix + "tokens", org.descent.experiment.VerifyOutputs.tokens(prompts));
        predictions.put(prefix + "targets", prompts.targets());
        Map<String, org.descent.util.Npz.Array> truth = truths.remove(prompts);
        if (truth != null) {
            truth.forEach((k, v) -> predictions.put(prefix + k, v));
        }
    }

    /** Keeps a trained model's weights for {@code weights.npz} under {@code prefix} (e.g. {@code seed0.}). */
    public void outputWeights(String prefix, org.descent.model.LsaWeights w) {
        weights.putAll(prefix, org.descent.train.Checkpoints.weightsNpz(w));
    }

    /** What {@link #output} kept. */
    public org.descent.util.Npz predictions() {
        return predictions;
    }

    /** What {@link #outputWeights} kept. */
    public org.descent.util.Npz weights() {
        return weights;
    }

    /** Prints a progress line. */
    public void say(String format, Object... args) {
        out.printf(Locale.ROOT, format + "%n", args);
        out.flush();
    }

    private boolean cache;

    /**
     * Reuses finished trainings from the run cache ({@link org.descent.experiment.RunCache}: same config, seed and
     * code version under the workspace's models folder) instead of training again; off unless asked for.
     */
    public PresetRun withCache(boolean on) {
        this.cache = on;
        return this;
    }

    /**
     * Trains {@code cfg} with the given seed, writing its checkpoint (or, {@link #withCache with the cache}, reuses a
     * finished one); records the time under {@code label}.
     */
    public OneStepGdExperiment.Trained train(String label, ExperimentConfig cfg, long seed) {
        ExperimentConfig seeded = new ExperimentConfig(cfg.task(), cfg.model(), cfg.train().withSeed(seed), cfg.eval());
        if (cache) {
            org.descent.experiment.RunCache.Lookup found = org.descent.experiment.RunCache.lookup(
                    workspace.modelsDir(), seeded, workspace.device(), manager);
            if (found.missReason() != null) {
                say("  note: run cache entry not used (%s)", found.missReason());
            }
            if (found.hit() != null) {
                OneStepGdExperiment.Trained t = new OneStepGdExperiment.Trained(found.hit().checkpoint(),
                        found.hit().loaded().state(), 0.0, found.hit().medianStepMs());
                timings.merge("train_s." + label, 0.0, (a, b) -> (double) a + (double) b);
                checkpoints.add(t.checkpoint().toString());
                say("  %s (seed %d): reusing checkpoint %s (run cache; --no-cache trains again)", label, seed,
                        t.checkpoint());
                return t;
            }
        }
        OneStepGdExperiment.Trained t = withProgress(label, seed, cfg,
                listener -> OneStepGdExperiment.train(seeded, workspace, null, listener));
        timings.merge("train_s." + label, t.seconds(), (a, b) -> (double) a + (double) b);
        checkpoints.add(t.checkpoint().toString());
        say("  %s: %.1f s, final train loss %.4f", label, t.seconds(), mean(t.state().losses(), 100));
        if (cache) {
            org.descent.experiment.RunCache.record(workspace.modelsDir(), seeded, workspace.device(), t.checkpoint(),
                    t.seconds(), t.medianStepMs());
        }
        return t;
    }

    /**
     * Trains the GPT-2 of {@code cfg} (arch {@code gpt2}) with the given seed through
     * {@link org.descent.experiment.TrainingRun#trainGpt2}, writing its checkpoint (with the error-vs-k evaluation);
     * records the time under {@code label}.
     */
    public org.descent.experiment.TrainingRun.Gpt2Trained trainGpt2(String label, ExperimentConfig cfg, long seed) {
        ExperimentConfig seeded = new ExperimentConfig(cfg.task(), cfg.model(), cfg.train().withSeed(seed), cfg.eval());
        org.descent.experiment.TrainingRun.Gpt2Trained t = withProgress(label, seed, cfg,
                listener -> org.descent.experiment.TrainingRun.trainGpt2(seeded, workspace,
                        org.descent.util.RunDirectory.newRunId("train"), null, null, listener,
                        org.descent.train.StopSignal.never(), line -> say("  %s", line)));
        timings.merge("train_s." + label, t.seconds(), (a, b) -> (double) a + (double) b);
        checkpoints.add(t.checkpoint().toString());
        say("  %s: %.1f s (median step %.1f ms), final train loss %.4f", label, t.seconds(), t.medianStepMs(),
                mean(t.state().losses(), 100));
        return t;
    }

    /**
     * Trains a model that has no experiment path of its own (no checkpoint is written; e.g. a restricted
     * parameterisation trained through {@link org.descent.train.ModelTrainer}) with the run's progress display, and
     * records the time under {@code label}.
     *
     * @param training runs the training with the given listener and returns its final state
     */
    public org.descent.train.TrainingState trainModel(String label, long seed, int steps,
            java.util.function.Function<LsaTrainer.StepListener, org.descent.train.TrainingState> training) {
        long t0 = System.nanoTime();
        org.descent.train.TrainingState s = withProgress(label, seed, steps, training);
        double seconds = (System.nanoTime() - t0) / 1e9;
        timings.merge("train_s." + label, seconds, (a, b) -> (double) a + (double) b);
        say("  %s: %.1f s, final train loss %.4f", label, seconds, mean(s.losses(), 100));
        return s;
    }

    /**
     * Trains a model of any architecture that has no experiment path of its own (no checkpoint is written; e.g. a
     * looped GPT-2 trained through {@link org.descent.train.ModelTrainer}) with the run's progress display, and
     * records the time under {@code label}.
     *
     * @param training runs the training with the given listener and returns what the preset keeps of it
     */
    public <T> T trainOther(String label, long seed, int steps,
            java.util.function.Function<LsaTrainer.StepListener, T> training) {
        long t0 = System.nanoTime();
        T t = withProgress(label, seed, steps, training);
        double seconds = (System.nanoTime() - t0) / 1e9;
        timings.merge("train_s." + label, seconds, (a, b) -> (double) a + (double) b);
        say("  %s: %.1f s", label, seconds);
        return t;
    }

    private <T> T withProgress(String label, long seed, ExperimentConfig cfg,
            java.util.function.Function<LsaTrainer.StepListener, T> training) {
        return withProgress(label, seed, cfg.train().steps(), training);
    }

    /** Announces a training, runs it with a progress listener and closes the listener, whatever happens. */
    private <T> T withProgress(String label, long seed, int steps,
            java.util.function.Function<LsaTrainer.StepListener, T> training) {
        say("  training %s (seed %d, %d steps) ...", label, seed, steps);
        LsaTrainer.StepListener listener = progress.apply(steps);
        try {
            return training.apply(listener);
        } finally {
            if (listener instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Exception e) {
                    // a progress bar that fails to close is not worth failing the run for
                }
            }
        }
    }

    /**
     * {@code count} test prompts of {@code task} drawn from stream {@code stream} of {@code seed}. The ground truth of
     * prompts from the {@link Seeds#TEST} stream is kept for {@link #outputPrompts}.
     */
    public PromptSet prompts(TaskConfig task, long seed, long stream, int count) {
        if (stream != Seeds.TEST) {
            return TaskSamplers.forTask(task).samplePromptSet(manager, count, Seeds.derive(seed, stream, 0));
        }
        org.descent.task.TaskTruth.Recorded<PromptSet> drawn = org.descent.task.TaskTruth.record(() ->
                TaskSamplers.forTask(task).samplePromptSet(manager, count, Seeds.derive(seed, stream, 0)));
        truths.put(drawn.value(), drawn.parameters());
        return drawn.value();
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
