package org.descent.probe.model;

import java.util.Map;
import org.descent.model.gpt2.Gpt2Regressor;
import org.descent.probe.ModelUnderTest;
import org.descent.task.TaskConfig;

/**
 * GPT-2 regressors as models under test, with every capability the regressor has: Jacobians, the residual stream
 * ({@code [L+1, B, T, E]}, T the layout's length), named activations, the layout, and prefix predictions when the
 * layout predicts every prefix. Whoever loads or trains a GPT-2 (safetensors import, training) should build its
 * {@link ModelUnderTest} here so that probes and the random-init control ({@link org.descent.probe.Controls}) see
 * the same capabilities.
 */
public final class Gpt2Models {
    private Gpt2Models() {}

    /** The model under test of {@code regressor}, trained on {@code task}. */
    public static ModelUnderTest underTest(Gpt2Regressor regressor, TaskConfig task, ModelUnderTest.Origin origin) {
        ModelUnderTest.Builder b = ModelUnderTest.builder(regressor, task, origin).sensitivity(regressor)
                .hiddenStates(regressor).activations(regressor).layout(regressor.layout());
        if (regressor.layout().predictsEveryPrefix()) {
            b.prefixPredictions(regressor);
        }
        return b.build();
    }

    /** An in-memory GPT-2 model under test (tests, examples). */
    public static ModelUnderTest inMemory(Gpt2Regressor regressor, TaskConfig task, String description) {
        return underTest(regressor, task, new ModelUnderTest.Origin("in-memory", null, null, Map.of("description",
                description, "architecture", "gpt2", "layers", regressor.weights().config().layers(), "layout",
                regressor.layout().name())));
    }
}
