package org.descent.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Suite files: unknown keys, parameters and probe names are clear errors; probes/default.json equals the defaults. */
class ProbeSuiteTest {
    static final List<String> BUILT_IN = List.of("gd-alignment", "pgd-fit", "multistep-fit", "hypothesis-ranking", "baseline-distance",
            "order-sensitivity", "context-length", "hidden-state-probes", "weight-structure",
            "prefix-curves", "layer-iterations", "dual-form");
    /** Built-in probes left out of probes/default.json (costly, run from their own suite file). */
    static final List<String> OPT_IN = List.of("dual-form");

    private static Path write(Path dir, String json) throws IOException {
        return Files.writeString(dir.resolve("suite.json"), json);
    }

    @Test
    void builtInProbesAreFoundByServiceLoaderInSuiteOrder() {
        try (ProbeRegistry registry = ProbeRegistry.builtIn()) {
            assertEquals(BUILT_IN, registry.installed().stream().map(i -> i.probe().name()).toList());
            assertTrue(registry.installed().stream().allMatch(ProbeRegistry.Installed::builtIn));
        }
    }

    @Test
    void unknownTopLevelKeyIsAnErrorNamingIt(@TempDir Path dir) throws IOException {
        Path f = write(dir, "{\"tesPrompts\": 100, \"probes\": [{\"probe\": \"gd-alignment\"}]}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ProbeSuite.read(f));
        assertTrue(e.getMessage().contains("tesPrompts") && e.getMessage().contains(f.toString()), e.getMessage());
    }

    @Test
    void unknownEntryKeyIsAnError(@TempDir Path dir) throws IOException {
        Path f = write(dir, "{\"probes\": [{\"probe\": \"gd-alignment\", \"parms\": {}}]}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ProbeSuite.read(f));
        assertTrue(e.getMessage().contains("parms"), e.getMessage());
    }

    @Test
    void unknownParameterIsAnErrorListingTheKnownOnes(@TempDir Path dir) throws IOException {
        Path f = write(dir, "{\"probes\": [{\"probe\": \"gd-alignment\", \"params\": {\"minModelCosine\": 0.9}}]}");
        ProbeSuite suite = ProbeSuite.read(f);
        try (ProbeRegistry registry = ProbeRegistry.builtIn()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> suite.plan(registry, f.toString()));
            assertTrue(e.getMessage().contains("minModelCosine") && e.getMessage().contains("minModelCos")
                    && e.getMessage().contains("gd-alignment"), e.getMessage());
        }
    }

    @Test
    void wrongParameterTypeIsAnError(@TempDir Path dir) throws IOException {
        Path f = write(dir, "{\"probes\": [{\"probe\": \"order-sensitivity\", \"params\": {\"permutations\": 2.5}}]}");
        ProbeSuite suite = ProbeSuite.read(f);
        try (ProbeRegistry registry = ProbeRegistry.builtIn()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> suite.plan(registry, f.toString()));
            assertTrue(e.getMessage().contains("permutations") && e.getMessage().contains("integer"), e.getMessage());
        }
    }

    @Test
    void unknownProbeIsAnErrorListingTheInstalledProbes(@TempDir Path dir) throws IOException {
        Path f = write(dir, "{\"probes\": [{\"probe\": \"gd-alignmnet\"}]}");
        ProbeSuite suite = ProbeSuite.read(f);
        try (ProbeRegistry registry = ProbeRegistry.builtIn()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> suite.plan(registry, f.toString()));
            assertTrue(e.getMessage().contains("unknown probe \"gd-alignmnet\""), e.getMessage());
            for (String name : BUILT_IN) {
                assertTrue(e.getMessage().contains(name), "lists " + name + ": " + e.getMessage());
            }
        }
    }

    @Test
    void badSuiteValuesAreErrors(@TempDir Path dir) throws IOException {
        Path dup = write(dir, "{\"probes\": [{\"probe\": \"pgd-fit\"}, {\"probe\": \"pgd-fit\"}]}");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ProbeSuite.read(dup)).getMessage()
                .contains("listed twice"));
        Path empty = write(dir, "{\"probes\": []}");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ProbeSuite.read(empty)).getMessage()
                .contains("at least one probe"));
        Path level = write(dir, "{\"confidenceLevel\": 1.5, \"probes\": [{\"probe\": \"pgd-fit\"}]}");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ProbeSuite.read(level)).getMessage()
                .contains("confidenceLevel"));
    }

    @Test
    void defaultSuiteFileStatesExactlyTheBuiltInDefaults() {
        ProbeSuite suite = ProbeSuite.read(Path.of("probes", "default.json"));
        assertEquals(ProbeSuite.DEFAULT_TEST_PROMPTS, suite.testPrompts());
        try (ProbeRegistry registry = ProbeRegistry.builtIn()) {
            List<ProbeSuite.Planned> plan = suite.plan(registry, "probes/default.json");
            assertEquals(BUILT_IN.stream().filter(n -> !OPT_IN.contains(n)).toList(),
                    plan.stream().map(p -> p.probe().name()).toList());
            for (ProbeSuite.Planned p : plan) {
                Map<String, Object> defaults = ProbeParameters.defaults(p.probe()).asMap();
                assertEquals(defaults.keySet(), p.params().asMap().keySet(), p.probe().name());
                for (String key : defaults.keySet()) {
                    assertEquals(String.valueOf(defaults.get(key)), String.valueOf(p.params().asMap().get(key)),
                            p.probe().name() + "." + key + " in probes/default.json differs from the documented default");
                }
            }
        }
    }

    @Test
    void evidenceDecidesOnTheWholeInterval() {
        org.descent.compare.Bootstrap.Interval above = new org.descent.compare.Bootstrap.Interval(0.9995, 0.9991,
                0.9999, 0.95, 100);
        org.descent.compare.Bootstrap.Interval straddle = new org.descent.compare.Bootstrap.Interval(0.999, 0.998,
                0.9995, 0.95, 100);
        org.descent.compare.Bootstrap.Interval below = new org.descent.compare.Bootstrap.Interval(0.9, 0.89, 0.91,
                0.95, 100);
        assertEquals(Outcome.CONSISTENT, Evidence.decide("c", above, Evidence.Comparison.AT_LEAST, 0.999).outcome());
        assertEquals(Outcome.INCONCLUSIVE,
                Evidence.decide("c", straddle, Evidence.Comparison.AT_LEAST, 0.999).outcome());
        assertEquals(Outcome.INCONSISTENT, Evidence.decide("c", below, Evidence.Comparison.AT_LEAST, 0.999).outcome());
        assertEquals(Outcome.CONSISTENT, Evidence.decide("c", below, Evidence.Comparison.AT_MOST, 0.95).outcome());
        assertEquals(Outcome.INCONSISTENT, Evidence.decide("c", above, Evidence.Comparison.AT_MOST, 0.95).outcome());
        assertEquals(Outcome.INCONCLUSIVE, Evidence.exact("c", Double.NaN, Evidence.Comparison.AT_MOST, 1).outcome());
    }
}
