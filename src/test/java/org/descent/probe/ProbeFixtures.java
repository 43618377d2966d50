package org.descent.probe;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.descent.probe.model.ModelLoader;

/** Runs suites on the committed TorchScript fixtures ({@code models/fixtures/}, made by scripts/make_fixtures.py). */
final class ProbeFixtures {
    static final Path DIR = Path.of("models", "fixtures");
    /** Test prompts per fixture run: enough for tight intervals, small enough for a quick suite. */
    static final int TEST_PROMPTS = 2000;

    private ProbeFixtures() {}

    static Path fixture(String name) {
        return DIR.resolve(name);
    }

    /** Every built-in probe with its defaults, on fewer prompts than the default suite. */
    static ProbeSuite quickSuite(ProbeRegistry registry) {
        ProbeSuite all = ProbeSuite.allDefaults(registry);
        // the per-position probes on fewer prompts of their own (their rules are pinned by their own tests)
        Map<String, Map<String, Object>> fewer = Map.of(
                "prefix-curves", Map.of("prompts", 300, "newtonFitPrompts", 300),
                "layer-iterations", Map.of("prompts", 200));
        List<ProbeSuite.Entry> entries = all.probes().stream().map(e -> fewer.containsKey(e.probe())
                ? new ProbeSuite.Entry(e.probe(), merged(e.params(), fewer.get(e.probe()))) : e).toList();
        return new ProbeSuite("quick", "test suite", TEST_PROMPTS, 7L, 2000, 200, 0.95, null, entries);
    }

    private static Map<String, Object> merged(Map<String, Object> base, Map<String, Object> over) {
        Map<String, Object> out = new java.util.LinkedHashMap<>(base);
        out.putAll(over);
        return out;
    }

    /** A suite of the named built-in probes with their defaults. */
    static ProbeSuite suiteOf(List<String> probes) {
        return new ProbeSuite("quick", "test suite", TEST_PROMPTS, 7L, 2000, 200, 0.95, null,
                probes.stream().map(p -> new ProbeSuite.Entry(p, Map.of())).toList());
    }

    /** Opens {@code checkpoint}, runs {@code suite}, closes the model. */
    static ProbeRun run(Path checkpoint, ProbeSuite suite) {
        try (ProbeRegistry registry = ProbeRegistry.builtIn();
                NDManager manager = NDManager.newBaseManager();
                ModelUnderTest model = ModelLoader.load(checkpoint, null, manager)) {
            return ProbeRunner.run(model, suite, suite.plan(registry, "test"), manager, null);
        }
    }
}
