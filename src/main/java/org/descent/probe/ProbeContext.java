package org.descent.probe;

import ai.djl.ndarray.NDManager;
import java.util.Optional;
import org.descent.regressor.InContextRegressor;
import org.descent.regressor.QuerySensitivity;
import org.descent.task.PromptSet;
import org.descent.task.Seeds;
import org.descent.task.TaskConfig;

/**
 * Everything a probe receives: the model under test, its task, seeded prompts, the reference algorithms, the probe's
 * parameters from the suite, bootstrap settings, and a per-run cache of predictions and Jacobians on the test prompts
 * (so that several probes comparing against GD(η*) evaluate it once).
 *
 * <p>Dimension glossary: {@code B} test prompts ({@link #test()}), {@code N} context examples, {@code d} input
 * dimension.
 */
public final class ProbeContext {
    private final ModelUnderTest model;
    private final ProbeParameters params;
    private final PromptSource prompts;
    private final ReferenceAlgorithms references;
    private final EvaluationCache cache;
    private final PromptBootstrap bootstrap;
    private final long seed;
    private final NDManager manager;
    private final BehaviouralFits fits;

    /**
     * Built by the probe runner; probes never construct contexts except in tests.
     *
     * @param seed the probe's own seed (derived from the run seed and the probe's name)
     * @param manager the run's DJL manager (device); open a sub-manager for temporary arrays
     * @param cache predictions on the test prompts, shared by the probes of one run
     */
    public ProbeContext(ModelUnderTest model, ProbeParameters params, PromptSource prompts,
            ReferenceAlgorithms references, PromptBootstrap bootstrap, long seed, NDManager manager,
            EvaluationCache cache) {
        this(model, params, prompts, references, bootstrap, seed, manager, cache,
                new BehaviouralFits(prompts.test(), () -> cache.predictions(model)));
    }

    /**
     * As above, with the run's shared {@link BehaviouralFits} (so that probes fit each hypothesis once).
     */
    public ProbeContext(ModelUnderTest model, ProbeParameters params, PromptSource prompts,
            ReferenceAlgorithms references, PromptBootstrap bootstrap, long seed, NDManager manager,
            EvaluationCache cache, BehaviouralFits fits) {
        this.fits = fits;
        this.model = model;
        this.params = params;
        this.prompts = prompts;
        this.references = references;
        this.bootstrap = bootstrap;
        this.seed = seed;
        this.manager = manager;
        this.cache = cache;
    }

    public ModelUnderTest model() {
        return model;
    }

    /** The task the model was trained on; every prompt comes from it. */
    public TaskConfig task() {
        return model.task();
    }

    /**
     * The hypotheses' parameters fitted to the model on the fit split; decide verdicts on
     * {@link BehaviouralFits#judgeSet()} only.
     */
    public BehaviouralFits fits() {
        return fits;
    }

    public ProbeParameters params() {
        return params;
    }

    public PromptSource prompts() {
        return prompts;
    }

    /** The run's test prompts (B of them). */
    public PromptSet test() {
        return prompts.test();
    }

    public ReferenceAlgorithms references() {
        return references;
    }

    /** Bootstrap intervals over prompts, seeded for this probe. */
    public PromptBootstrap bootstrap() {
        return bootstrap;
    }

    /** A seed for a named random stream of this probe. */
    public long seed(String stream) {
        return Seeds.derive(seed, PromptSource.streamId(stream), 0);
    }

    /** The run's DJL manager (device of the run). */
    public NDManager manager() {
        return manager;
    }

    /** The model's predictions on the test prompts {@code [B]} (cached; do not modify). */
    public double[] modelPredictions() {
        return cache.predictions(model);
    }

    /** The model's Jacobians ∂ŷ/∂x_q on the test prompts {@code [B][d]}, when it exposes them (cached). */
    public Optional<double[][]> modelJacobians() {
        return model.sensitivity().map(cache::jacobians);
    }

    /** A reference's predictions on the test prompts {@code [B]} (cached per instance; do not modify). */
    public double[] predictions(InContextRegressor reference) {
        return cache.predictions(reference);
    }

    /** A reference's Jacobians on the test prompts {@code [B][d]} (cached per instance; do not modify). */
    public double[][] jacobians(QuerySensitivity reference) {
        return cache.jacobians(reference);
    }
}
