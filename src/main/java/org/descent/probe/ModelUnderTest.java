package org.descent.probe;

import org.descent.task.layout.Concatenated;
import org.descent.task.layout.PromptLayout;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.descent.model.LsaWeights;
import org.descent.regressor.InContextRegressor;
import org.descent.regressor.QuerySensitivity;
import org.descent.task.PromptSet;
import org.descent.task.TaskConfig;

/**
 * A model a probe runs on: a map from prompt tokens to predictions ({@link InContextRegressor}), the task it was
 * trained on, where it came from, and the optional capabilities probes may need:
 * <ul>
 *   <li>{@link #sensitivity()}: per-prompt Jacobians ∂ŷ/∂x_q {@code [B][d]} (autograd);</li>
 *   <li>{@link #hiddenStates()}: the residual stream {@code [L+1, B, N+1, D_h]};</li>
 *   <li>{@link #lsaWeights()}: the weights as linear-self-attention matrices (descent checkpoints, or foreign models
 *       whose parameters map onto an LSA).</li>
 * </ul>
 * Built with {@link #builder}; closing releases what the model holds (e.g. a TorchScript module).
 */
public final class ModelUnderTest implements InContextRegressor, AutoCloseable {
    private final InContextRegressor regressor;
    private final TaskConfig task;
    private final Origin origin;
    private final QuerySensitivity sensitivity;
    private final HiddenStateSource hiddenStates;
    private final LsaWeights lsaWeights;
    private final PromptLayout layout;
    private final PrefixPredictionSource prefixPredictions;
    private final ActivationSource activations;
    private final AutoCloseable resources;

    /**
     * Where a model came from.
     *
     * @param kind {@code "descent-checkpoint"}, {@code "torchscript"}, {@code "safetensors"} (a GPT-2 checkpoint) or
     *     {@code "in-memory"}
     * @param path the checkpoint folder or file (null for in-memory models)
     * @param sha256 hex SHA-256 of the checkpoint's parameter file (null for in-memory models)
     * @param details further facts for the manifest (layer count, parameter names, ...)
     */
    public record Origin(String kind, String path, String sha256, Map<String, Object> details) {
        public Origin {
            if (kind == null || kind.isBlank()) {
                throw new IllegalArgumentException("model origin: a kind is required");
            }
            details = details == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(details));
        }

        /** A model built in memory (tests, examples). */
        public static Origin inMemory(String description) {
            return new Origin("in-memory", null, null, Map.of("description", description));
        }
    }

    private ModelUnderTest(Builder b) {
        this.regressor = b.regressor;
        this.task = b.task;
        this.origin = b.origin;
        this.sensitivity = b.sensitivity;
        this.hiddenStates = b.hiddenStates;
        this.lsaWeights = b.lsaWeights;
        this.layout = b.layout;
        this.prefixPredictions = b.prefixPredictions;
        this.activations = b.activations;
        this.resources = b.resources;
        if (prefixPredictions != null && !layout.predictsEveryPrefix()) {
            throw new IllegalArgumentException("model under test: prefix predictions need a layout that predicts every"
                    + " prefix, not '" + layout.name() + "'");
        }
        if (lsaWeights != null && lsaWeights.dim() != task.tokenDim()) {
            throw new IllegalArgumentException("model under test: LSA weights have token width " + lsaWeights.dim()
                    + " but the task has D = d + 1 = " + task.tokenDim());
        }
    }

    /**
     * Starts a model under test.
     *
     * @param regressor its predictions
     * @param task the task it was trained on (d, N, distributions)
     * @param origin where it came from
     */
    public static Builder builder(InContextRegressor regressor, TaskConfig task, Origin origin) {
        return new Builder(regressor, task, origin);
    }

    @Override
    public String name() {
        return regressor.name();
    }

    @Override
    public double[] predict(PromptSet prompts) {
        return regressor.predict(prompts);
    }

    public TaskConfig task() {
        return task;
    }

    public Origin origin() {
        return origin;
    }

    public Optional<QuerySensitivity> sensitivity() {
        return Optional.ofNullable(sensitivity);
    }

    public Optional<HiddenStateSource> hiddenStates() {
        return Optional.ofNullable(hiddenStates);
    }

    public Optional<LsaWeights> lsaWeights() {
        return Optional.ofNullable(lsaWeights);
    }

    /** The prompt layout the model reads (concatenated unless the builder says otherwise). */
    public PromptLayout layout() {
        return layout;
    }

    /** Predictions after every prefix in one pass ([B, N+1]), for causal interleaved models. */
    public Optional<PrefixPredictionSource> prefixPredictions() {
        return Optional.ofNullable(prefixPredictions);
    }

    /** Named activations (canonical hook names), when the model exposes them. */
    public Optional<ActivationSource> activations() {
        return Optional.ofNullable(activations);
    }

    /** The capabilities present, for reports: e.g. ["predictions", "query-jacobians", "hidden-states"]. */
    public java.util.List<String> capabilities() {
        java.util.List<String> out = new java.util.ArrayList<>(java.util.List.of("predictions"));
        if (sensitivity != null) {
            out.add("query-jacobians");
        }
        if (hiddenStates != null) {
            out.add("hidden-states");
        }
        if (lsaWeights != null) {
            out.add("lsa-weights");
        }
        if (prefixPredictions != null) {
            out.add("prefix-predictions");
        }
        if (activations != null) {
            out.add("activations");
        }
        return out;
    }

    @Override
    public void close() {
        if (resources != null) {
            try {
                resources.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing " + name() + ": " + e.getMessage(), e);
            }
        }
    }

    /** Collects the optional capabilities. */
    public static final class Builder {
        private final InContextRegressor regressor;
        private final TaskConfig task;
        private final Origin origin;
        private QuerySensitivity sensitivity;
        private HiddenStateSource hiddenStates;
        private LsaWeights lsaWeights;
        private PromptLayout layout = new Concatenated();
        private PrefixPredictionSource prefixPredictions;
        private ActivationSource activations;
        private AutoCloseable resources;

        private Builder(InContextRegressor regressor, TaskConfig task, Origin origin) {
            if (regressor == null || task == null || origin == null) {
                throw new IllegalArgumentException("model under test: regressor, task and origin are required");
            }
            this.regressor = regressor;
            this.task = task;
            this.origin = origin;
        }

        /** Jacobians ∂ŷ/∂x_q (often the regressor itself). */
        public Builder sensitivity(QuerySensitivity value) {
            this.sensitivity = value;
            return this;
        }

        public Builder hiddenStates(HiddenStateSource value) {
            this.hiddenStates = value;
            return this;
        }

        public Builder lsaWeights(LsaWeights value) {
            this.lsaWeights = value;
            return this;
        }

        /** The prompt layout the model reads; default concatenated. */
        public Builder layout(PromptLayout value) {
            this.layout = java.util.Objects.requireNonNull(value, "layout");
            return this;
        }

        public Builder prefixPredictions(PrefixPredictionSource value) {
            this.prefixPredictions = value;
            return this;
        }

        public Builder activations(ActivationSource value) {
            this.activations = value;
            return this;
        }

        /** Released by {@link ModelUnderTest#close()}. */
        public Builder resources(AutoCloseable value) {
            this.resources = value;
            return this;
        }

        public ModelUnderTest build() {
            return new ModelUnderTest(this);
        }
    }
}
