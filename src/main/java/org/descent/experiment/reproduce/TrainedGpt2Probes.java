package org.descent.experiment.reproduce;

import java.util.Map;
import org.descent.experiment.TrainingRun;
import org.descent.model.gpt2.Gpt2Regressor;
import org.descent.probe.ModelUnderTest;
import org.descent.probe.ProbeRegistry;
import org.descent.probe.ProbeResult;
import org.descent.probe.ProbeRun;
import org.descent.probe.ProbeRunner;
import org.descent.probe.ProbeSuite;
import org.descent.probe.model.Gpt2Models;
import org.descent.task.TaskConfig;
import org.descent.task.layout.PromptLayout;

/**
 * What presets that judge a GPT-2 they trained through the probes share: the trained weights as a probe's
 * {@link ModelUnderTest} (with its origin), a probe suite run with progress lines, and the rule that a preset's
 * headline probes must have run (a skipped or failed probe is an error, never a silent verdict).
 *
 * @param preset the preset's name, for messages and the model's origin
 * @param run the preset run (manager, progress)
 * @param registry the probes the suites name
 */
record TrainedGpt2Probes(String preset, PresetRun run, ProbeRegistry registry) {

    /** The trained GPT-2 of one seed as a model under test, with its regressor. */
    record Trained(Gpt2Regressor regressor, ModelUnderTest model) {}

    /** Wraps the trained GPT-2 of {@code seed} (a {@code layers}-layer model on {@code task} in {@code layout}). */
    Trained underTest(TrainingRun.Gpt2Trained t, TaskConfig task, PromptLayout layout, int layers, long seed) {
        Gpt2Regressor regressor = new Gpt2Regressor("GPT-2 seed " + seed, t.state().weights(), layout,
                run.manager());
        ModelUnderTest model = Gpt2Models.underTest(regressor, task, new ModelUnderTest.Origin("safetensors",
                t.checkpoint().toString(), null, Map.of("description", "trained by " + preset,
                        "architecture", "gpt2", "layers", layers, "layout", layout.name())));
        return new Trained(regressor, model);
    }

    /**
     * Runs {@code suite} on {@code model}; every probe named in {@code required} must have run.
     *
     * @param tag a label for the progress lines (empty for none)
     */
    ProbeRun runRequiring(ModelUnderTest model, ProbeSuite suite, String tag, String... required) {
        ProbeRun probes = ProbeRunner.run(model, suite, suite.plan(registry, preset), run.manager(),
                (r, s) -> run.say("  probe %s%s: %s (%.1f s)", r.probe(), tag, r.status().label(), s));
        for (String name : required) {
            ProbeResult r = probes.result(name);
            if (r.status() != ProbeResult.Status.RAN) {
                throw new IllegalStateException(preset + ": probe " + r.probe() + " " + r.status().label() + ": "
                        + r.note());
            }
        }
        return probes;
    }
}
