package org.descent.probe;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.descent.util.Json;

/**
 * A probe suite: the declarative JSON file in {@code probes/} that says which probes run, with which parameters and
 * tolerances, on how many prompts. Unknown keys anywhere are errors; every omitted value takes the documented
 * default below or the probe's own default ({@code descent probes --list} prints them).
 *
 * <pre>
 * {
 *   "name": "default",                 // shown in reports
 *   "description": "...",
 *   "testPrompts": 10000,              // B, fresh test prompts of the model's task
 *   "seed": 0,                         // seeds the prompts, the bootstrap and every probe
 *   "searchPrompts": 20000,            // Monte-Carlo prompts for η* line searches, Γ̂*, fitted step sizes
 *   "bootstrapResamples": 1000,        // resamples per bootstrap interval
 *   "confidenceLevel": 0.95,           // coverage of every interval
 *   "ridgeLambda": null,               // ridge reference λ; null: σ² (linear, noisy) or the best of a grid
 *   "probes": [ {"probe": "gd-alignment", "params": {"minModelCos": 0.999}}, ... ]
 * }
 * </pre>
 *
 * @param name the suite's name
 * @param description one line
 * @param testPrompts B, at least 2; default {@value #DEFAULT_TEST_PROMPTS}
 * @param seed run seed; default 0
 * @param searchPrompts at least 200; default {@value #DEFAULT_SEARCH_PROMPTS}
 * @param bootstrapResamples at least 10; default {@value #DEFAULT_RESAMPLES}
 * @param confidenceLevel in (0, 1); default 0.95
 * @param ridgeLambda ≥ 0 or null
 * @param probes the probes in the order they run; a probe may appear once
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ProbeSuite(String name, String description, Integer testPrompts, Long seed, Integer searchPrompts,
        Integer bootstrapResamples, Double confidenceLevel, Double ridgeLambda, List<Entry> probes) {

    public static final int DEFAULT_TEST_PROMPTS = 10_000;
    public static final int DEFAULT_SEARCH_PROMPTS = 20_000;
    public static final int DEFAULT_RESAMPLES = 1000;
    public static final double DEFAULT_LEVEL = 0.95;

    @JsonCreator
    public ProbeSuite(@JsonProperty("name") String name, @JsonProperty("description") String description,
            @JsonProperty("testPrompts") Integer testPrompts, @JsonProperty("seed") Long seed,
            @JsonProperty("searchPrompts") Integer searchPrompts,
            @JsonProperty("bootstrapResamples") Integer bootstrapResamples,
            @JsonProperty("confidenceLevel") Double confidenceLevel, @JsonProperty("ridgeLambda") Double ridgeLambda,
            @JsonProperty("probes") List<Entry> probes) {
        this.name = name == null ? "unnamed" : name;
        this.description = description == null ? "" : description;
        this.testPrompts = testPrompts == null ? DEFAULT_TEST_PROMPTS : testPrompts;
        this.seed = seed == null ? 0L : seed;
        this.searchPrompts = searchPrompts == null ? DEFAULT_SEARCH_PROMPTS : searchPrompts;
        this.bootstrapResamples = bootstrapResamples == null ? DEFAULT_RESAMPLES : bootstrapResamples;
        this.confidenceLevel = confidenceLevel == null ? DEFAULT_LEVEL : confidenceLevel;
        this.ridgeLambda = ridgeLambda;
        if (probes == null || probes.isEmpty()) {
            throw new IllegalArgumentException("probe suite: \"probes\" must list at least one probe");
        }
        this.probes = List.copyOf(probes);
        if (this.testPrompts < 2) {
            throw new IllegalArgumentException("probe suite: testPrompts must be at least 2, got " + this.testPrompts);
        }
        if (this.searchPrompts < 200) {
            throw new IllegalArgumentException("probe suite: searchPrompts must be at least 200, got "
                    + this.searchPrompts);
        }
        if (this.bootstrapResamples < 10) {
            throw new IllegalArgumentException("probe suite: bootstrapResamples must be at least 10, got "
                    + this.bootstrapResamples);
        }
        if (!(this.confidenceLevel > 0 && this.confidenceLevel < 1)) {
            throw new IllegalArgumentException("probe suite: confidenceLevel must be in (0, 1), got "
                    + this.confidenceLevel);
        }
        if (ridgeLambda != null && !(ridgeLambda >= 0 && Double.isFinite(ridgeLambda))) {
            throw new IllegalArgumentException("probe suite: ridgeLambda must be a finite number >= 0, got "
                    + ridgeLambda);
        }
        Set<String> seen = new HashSet<>();
        for (Entry e : this.probes) {
            if (!seen.add(e.probe())) {
                throw new IllegalArgumentException("probe suite: probe \"" + e.probe() + "\" is listed twice");
            }
        }
    }

    /**
     * One probe of a suite.
     *
     * @param probe the probe's name
     * @param params overrides of the probe's default parameters (may be empty)
     */
    public record Entry(String probe, Map<String, Object> params) {
        @JsonCreator
        public Entry(@JsonProperty("probe") String probe, @JsonProperty("params") Map<String, Object> params) {
            if (probe == null || probe.isBlank()) {
                throw new IllegalArgumentException("probe suite: every entry needs a \"probe\" name");
            }
            this.probe = probe;
            this.params = params == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(params));
        }
    }

    /** Reads a suite file; any problem is an {@link IllegalArgumentException} naming the file. */
    public static ProbeSuite read(Path file) {
        return Json.read(file, ProbeSuite.class);
    }

    /** A suite running every installed probe with its default parameters (used when no suite file exists). */
    public static ProbeSuite allDefaults(ProbeRegistry registry) {
        List<Entry> entries = new ArrayList<>();
        for (ProbeRegistry.Installed p : registry.installed()) {
            if (p.builtIn()) {
                entries.add(new Entry(p.probe().name(), Map.of()));
            }
        }
        return new ProbeSuite("default", "every built-in probe with its default parameters", null, null, null, null,
                null, null, entries);
    }

    /** A copy with another number of test prompts (the command line's {@code --test-prompts}). */
    public ProbeSuite withTestPrompts(int count) {
        return new ProbeSuite(name, description, count, seed, searchPrompts, bootstrapResamples, confidenceLevel,
                ridgeLambda, probes);
    }

    /** A copy without the named probes (e.g. those that bear on no hypothesis a run judges). */
    public ProbeSuite without(java.util.Collection<String> names) {
        return new ProbeSuite(name, description, testPrompts, seed, searchPrompts, bootstrapResamples,
                confidenceLevel, ridgeLambda, probes.stream().filter(e -> !names.contains(e.probe())).toList());
    }

    /** A copy with another seed (the command line's {@code --seed}). */
    public ProbeSuite withSeed(long newSeed) {
        return new ProbeSuite(name, description, testPrompts, newSeed, searchPrompts, bootstrapResamples,
                confidenceLevel, ridgeLambda, probes);
    }

    /**
     * Checks every probe name against {@code registry} and every parameter against the probe's defaults.
     *
     * @param where names the suite in error messages
     * @return the probes with their resolved parameters, in suite order
     * @throws IllegalArgumentException for an unknown probe (listing the installed ones) or a bad parameter
     */
    public List<Planned> plan(ProbeRegistry registry, String where) {
        List<Planned> out = new ArrayList<>();
        for (Entry e : probes) {
            Probe p = registry.require(e.probe(), where);
            out.add(new Planned(p, ProbeParameters.resolve(p.name(), p.defaultParameters(), e.params(), where)));
        }
        return out;
    }

    /** A probe with its resolved parameters. */
    public record Planned(Probe probe, ProbeParameters params) {}
}
