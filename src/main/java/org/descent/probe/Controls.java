package org.descent.probe;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.descent.model.LsaInitialization;
import org.descent.model.LsaRegressor;
import org.descent.model.LsaWeights;
import org.descent.model.ModelConfig;
import org.descent.oracle.AveragingOracle;
import org.descent.oracle.ZeroPredictor;

/**
 * The controls every alignment number stands beside (high ICL–GD similarity of untrained models is a known pitfall,
 * Deutch et al. 2023):
 * <ul>
 *   <li>{@value #RANDOM_INIT}: a random initialisation of the model's own architecture, when descent can build one
 *       (LSA weights: the same depth and weight tying, entries ~ N(0, 0.1²) as {@code descent train} starts from;
 *       a GPT-2 regressor, recognised as the model's hidden-state source: the same config and prompt layout at
 *       {@link org.descent.model.gpt2.Gpt2Weights#initialize Hugging Face's initialisation}).
 *       A model's algorithm verdict is <b>consistent</b> only when this control is <b>inconsistent</b> with the same
 *       hypothesis: a criterion that an untrained model also passes does not discriminate;</li>
 *   <li>{@value #ZERO_STEP}: ŷ = 0, the zero-step algorithm (w₀ = 0);</li>
 *   <li>{@value #AVERAGING}: ŷ = x_q·h, one GD step with η = 1, the simplest in-context learner.</li>
 * </ul>
 * The two baselines are shown for scale: they are legitimate algorithms (averaging is one-step GD), so they gate
 * nothing.
 */
public final class Controls {
    public static final String RANDOM_INIT = "random-init";
    public static final String ZERO_STEP = "zero-step";
    public static final String AVERAGING = "averaging";
    /** The entry scale of the random initialisation (the trainer's default). */
    public static final double INIT_SCALE = ModelConfig.defaults().initScale();

    private Controls() {}

    /**
     * A control model with what it stands for.
     *
     * @param name {@link #RANDOM_INIT}, {@link #ZERO_STEP} or {@link #AVERAGING}
     * @param description one line for reports
     * @param model the control as a model under test (on the same task)
     */
    public record Control(String name, String description, ModelUnderTest model) {}

    /** The controls for {@code model}; the random-init one only when the model has LSA weights. */
    public static List<Control> of(ModelUnderTest model, long seed, NDManager manager) {
        List<Control> out = new ArrayList<>();
        randomInit(model, seed, manager).ifPresent(out::add);
        ZeroPredictor zero = new ZeroPredictor();
        out.add(new Control(ZERO_STEP, "ŷ = 0 (zero GD steps)", ModelUnderTest.builder(zero, model.task(),
                ModelUnderTest.Origin.inMemory("zero-step control")).sensitivity(zero).build()));
        AveragingOracle avg = new AveragingOracle();
        out.add(new Control(AVERAGING, "ŷ = x_q·h (one GD step, η = 1)", ModelUnderTest.builder(avg, model.task(),
                ModelUnderTest.Origin.inMemory("averaging control")).sensitivity(avg).build()));
        return out;
    }

    /** The origin description of every random-init control. */
    public static final String RANDOM_INIT_DESCRIPTION = "random-init control";

    /** Whether {@code model} is itself a random-init control (so a probe need not build a control of a control). */
    public static boolean isRandomInitControl(ModelUnderTest model) {
        return RANDOM_INIT_DESCRIPTION.equals(model.origin().details().get("description"));
    }

    /** A random-init model of the same architecture, or empty when descent cannot build one. */
    public static java.util.Optional<Control> randomInit(ModelUnderTest model, long seed, NDManager manager) {
        if (model.lsaWeights().isEmpty()
                && model.hiddenStates().orElse(null) instanceof org.descent.model.gpt2.Gpt2Regressor g) {
            org.descent.model.gpt2.Gpt2Config config = g.weights().config();
            org.descent.model.gpt2.Gpt2Regressor init = new org.descent.model.gpt2.Gpt2Regressor("random-init GPT-2",
                    org.descent.model.gpt2.Gpt2Weights.initialize(config, seed), g.layout(), manager);
            ModelUnderTest m = org.descent.probe.model.Gpt2Models.underTest(init, model.task(),
                    new ModelUnderTest.Origin("in-memory", null, null, Map.of("description", RANDOM_INIT_DESCRIPTION,
                            "architecture", "gpt2", "layers", config.layers())));
            return java.util.Optional.of(new Control(RANDOM_INIT, String.format(java.util.Locale.ROOT,
                    "a %d-layer GPT-2 (width %d, %d heads, %s layout) at Hugging Face's random initialisation",
                    config.layers(), config.width(), config.heads(), g.layout().name()), m));
        }
        if (model.lsaWeights().isEmpty()) {
            return java.util.Optional.empty();
        }
        LsaWeights w = model.lsaWeights().get();
        ModelConfig config = new ModelConfig(w.depth(), w.weightTied(), INIT_SCALE);
        LsaWeights init = LsaInitialization.gaussian(model.task().d(), config, seed);
        LsaRegressor lsa = new LsaRegressor("random-init LSA", init, manager);
        ModelUnderTest m = ModelUnderTest.builder(lsa, model.task(), new ModelUnderTest.Origin("in-memory", null, null,
                Map.of("description", RANDOM_INIT_DESCRIPTION, "layers", w.depth(), "init_scale", INIT_SCALE)))
                .sensitivity(lsa).lsaWeights(init)
                .hiddenStates(prompts -> org.descent.probe.model.ModelLoader.fromPerLayer(lsa.hiddenStates(prompts),
                        prompts)).build();
        return java.util.Optional.of(new Control(RANDOM_INIT, String.format(java.util.Locale.ROOT,
                "a %d-layer LSA%s at its random initialisation (entries ~ N(0, %.2g²))", w.depth(),
                w.weightTied() ? " (tied)" : "", INIT_SCALE), m));
    }
}
