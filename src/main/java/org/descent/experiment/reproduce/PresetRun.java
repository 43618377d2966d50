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

    /** One LSA training of a preset: what {@link #train} takes, for {@link #trainAll}. */
    public record Job(String label, ExperimentConfig config, long seed) {
        /** Rough cost, for scheduling the longest first: steps × layer applications × tokens. */
        double cost() {
            return (double) config.train().steps() * config.model().layers() * config.task().tokens();
        }
    }

    private int parallelism = Math.max(1, Runtime.getRuntime().availableProcessors());
    private final List<java.util.concurrent.ExecutorService> pools = new ArrayList<>();
    private final List<java.util.concurrent.Future<?>> started = new ArrayList<>();
    private final List<LsaTrainer.StepListener> displays = new ArrayList<>();

    /**
     * How many trainings {@link #trainAll} runs at the same time (default: the number of processors); 1 trains one
     * after another. The trained models are the same either way, bit for bit.
     */
    public PresetRun withParallelism(int trainings) {
        if (trainings < 1) {
            throw new IllegalArgumentException("parallel trainings must be at least 1, got " + trainings);
        }
        this.parallelism = trainings;
        return this;
    }

    /**
     * Trains {@code cfg} with the given seed, writing its checkpoint (or, {@link #withCache with the cache}, reuses a
     * finished one); records the time under {@code label}.
     */
    public OneStepGdExperiment.Trained train(String label, ExperimentConfig cfg, long seed) {
        return trainAll(List.of(new Job(label, cfg, seed))).get(0);
    }

    /**
     * Trains independent LSA models as {@link #train} does, up to {@link #withParallelism} of them at the same time,
     * the longest first, and returns them in the order of {@code jobs}. Each training keeps its own engine scope,
     * batches and generator state ({@link org.descent.task.EngineRandom}), so the models are the ones a
     * one-after-another run gives. When trainings run at the same time the list is lazy: {@code get(i)} waits for
     * training i only (recording its time and checkpoint then), so a preset evaluates the models that are done while
     * the others still train. A failed training throws from its {@code get}; {@link #close} lets the trainings still
     * running finish and keep their checkpoints.
     */
    public List<OneStepGdExperiment.Trained> trainAll(List<Job> jobs) {
        OneStepGdExperiment.Trained[] done = new OneStepGdExperiment.Trained[jobs.size()];
        List<Integer> pending = new ArrayList<>();
        for (int i = 0; i < jobs.size(); i++) {
            done[i] = cached(jobs.get(i));
            if (done[i] == null) {
                pending.add(i);
            }
        }
        int workers = Math.min(parallelism, pending.size());
        if (workers <= 1) {
            for (int i : pending) {
                Job job = jobs.get(i);
                done[i] = withProgress(job.label(), job.seed(), job.config(),
                        listener -> OneStepGdExperiment.train(seeded(job), workspace, null, listener));
                finished(job, done[i]);
            }
            return List.of(done);
        }
        pending.sort(java.util.Comparator.comparingDouble((Integer i) -> -jobs.get(i).cost()));
        say("  training %d models, %d at a time: %s ...", pending.size(), workers, String.join(", ",
                pending.stream().map(i -> jobs.get(i).label() + " (seed " + jobs.get(i).seed() + ", "
                        + jobs.get(i).config().train().steps() + " steps)").toList()));
        int total = pending.stream().mapToInt(i -> jobs.get(i).config().train().steps()).sum();
        LsaTrainer.StepListener shown = progress.apply(total);
        displays.add(shown);
        CombinedProgress combined = new CombinedProgress(shown, pending.size());
        java.util.concurrent.ExecutorService pool = trainingPool(workers);
        List<java.util.concurrent.Future<OneStepGdExperiment.Trained>> futures = new ArrayList<>(
                java.util.Collections.nCopies(jobs.size(), null));
        int[] left = {pending.size()};
        for (int k = 0; k < pending.size(); k++) {
            int i = pending.get(k);
            Job job = jobs.get(i);
            int slot = k;
            futures.set(i, pool.submit(() -> OneStepGdExperiment.train(seeded(job), workspace, null,
                    (step, loss, lr) -> combined.onStep(slot, step, loss, lr))));
            started.add(futures.get(i));
        }
        pool.shutdown(); // runs what was submitted, then its threads end
        return new java.util.AbstractList<>() {
            @Override
            public OneStepGdExperiment.Trained get(int i) {
                if (done[i] == null) {
                    done[i] = await(futures.get(i), jobs.get(i).label());
                    finished(jobs.get(i), done[i]);
                    if (--left[0] == 0) {
                        closeQuietly(shown);
                        displays.remove(shown);
                    }
                }
                return done[i];
            }

            @Override
            public int size() {
                return jobs.size();
            }
        };
    }

    /** A pool of {@code threads} daemon training threads, waited for by {@link #close}. */
    private java.util.concurrent.ExecutorService trainingPool(int threads) {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "descent-training");
            t.setDaemon(true);
            return t;
        });
        pools.add(pool);
        return pool;
    }

    /** The result of the training {@code label}, its own exception if it failed. */
    private static <T> T await(java.util.concurrent.Future<T> training, String label) {
        try {
            return training.get();
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r
                    : new IllegalStateException(label + ": " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + label, e);
        }
    }

    /** The cached training of {@code job} when the cache is on and holds it (announced), else null. */
    private OneStepGdExperiment.Trained cached(Job job) {
        if (!cache) {
            return null;
        }
        org.descent.experiment.RunCache.Lookup found = org.descent.experiment.RunCache.lookup(
                workspace.modelsDir(), seeded(job), workspace.device(), manager);
        if (found.missReason() != null) {
            say("  note: run cache entry not used (%s)", found.missReason());
        }
        if (found.hit() == null) {
            return null;
        }
        OneStepGdExperiment.Trained t = new OneStepGdExperiment.Trained(found.hit().checkpoint(),
                found.hit().loaded().state(), 0.0, found.hit().medianStepMs());
        timings.merge("train_s." + job.label(), 0.0, (a, b) -> (double) a + (double) b);
        checkpoints.add(t.checkpoint().toString());
        say("  %s (seed %d): reusing checkpoint %s (run cache; --no-cache trains again)", job.label(), job.seed(),
                t.checkpoint());
        return t;
    }

    /** Records a finished training: its time, its checkpoint, a line, and the cache entry. */
    private void finished(Job job, OneStepGdExperiment.Trained t) {
        timings.merge("train_s." + job.label(), t.seconds(), (a, b) -> (double) a + (double) b);
        checkpoints.add(t.checkpoint().toString());
        say("  %s: %.1f s, final train loss %.4f", job.label(), t.seconds(), mean(t.state().losses(), 100));
        if (cache) {
            org.descent.experiment.RunCache.record(workspace.modelsDir(), seeded(job), workspace.device(),
                    t.checkpoint(), t.seconds(), t.medianStepMs());
        }
    }

    private static ExperimentConfig seeded(Job job) {
        ExperimentConfig cfg = job.config();
        return new ExperimentConfig(cfg.task(), cfg.model(), cfg.train().withSeed(job.seed()), cfg.eval());
    }

    /**
     * One progress display for trainings that run at the same time: the steps done by all of them, with the loss of
     * the longest (slot 0).
     */
    private static final class CombinedProgress {
        private final LsaTrainer.StepListener shown;
        private final int[] steps;
        private double loss = Double.NaN;

        CombinedProgress(LsaTrainer.StepListener shown, int slots) {
            this.shown = shown;
            this.steps = new int[slots];
        }

        synchronized void onStep(int slot, int step, double stepLoss, double lr) {
            steps[slot] = step;
            if (slot == 0 || Double.isNaN(loss)) {
                loss = stepLoss;
            }
            int sum = 0;
            for (int s : steps) {
                sum += s;
            }
            shown.onStep(sum, loss, lr);
        }
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

    /**
     * Starts {@link #trainOther}'s training of a model that does not depend on what the calling thread does next, on a
     * thread of its own when more than one training may run ({@link #withParallelism}); the returned supplier waits for
     * it (recording its time then). With parallelism 1 it trains right away, with its progress display. The training
     * must own its engine scope; its batches come through {@link org.descent.task.EngineRandom}, so the result is
     * the same either way.
     */
    public <T> java.util.function.Supplier<T> trainOtherConcurrently(String label, long seed, int steps,
            java.util.function.Function<LsaTrainer.StepListener, T> training) {
        if (parallelism <= 1) {
            T t = trainOther(label, seed, steps, training);
            return () -> t;
        }
        say("  training %s (seed %d, %d steps) on a second thread, without a progress display ...", label, seed, steps);
        double[] seconds = {0};
        java.util.concurrent.ExecutorService pool = trainingPool(1);
        java.util.concurrent.Future<T> future = pool.submit(() -> {
            long t0 = System.nanoTime();
            T t = training.apply((step, loss, lr) -> { });
            seconds[0] = (System.nanoTime() - t0) / 1e9;
            return t;
        });
        started.add(future);
        pool.shutdown();
        boolean[] recorded = {false};
        return () -> {
            T t = await(future, label);
            if (!recorded[0]) {
                recorded[0] = true;
                timings.merge("train_s." + label, seconds[0], (a, b) -> (double) a + (double) b);
                say("  %s: %.1f s (on its own thread)", label, seconds[0]);
            }
            return t;
        };
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
            closeQuietly(listener);
        }
    }

    private static void closeQuietly(LsaTrainer.StepListener listener) {
        if (listener instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                // a progress bar that fails to close is not worth failing the run for
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
        try {
            for (LsaTrainer.StepListener display : displays) {
                closeQuietly(display); // a display left open by a training that failed
            }
            if (started.stream().anyMatch(f -> !f.isDone())) {
                say("  waiting for the trainings still running to finish (those that write checkpoints keep them) ...");
                for (java.util.concurrent.Future<?> f : started) {
                    f.cancel(false); // drops those not started; running ones finish and save
                }
            }
            for (java.util.concurrent.ExecutorService pool : pools) {
                while (!pool.awaitTermination(1, java.util.concurrent.TimeUnit.MINUTES)) {
                    say("  still waiting for the trainings still running ...");
                }
            }
            manager.close();
        } catch (InterruptedException e) {
            // trainings may still run in the manager's scopes: leave its memory to the process's exit
            Thread.currentThread().interrupt();
        }
    }
}
