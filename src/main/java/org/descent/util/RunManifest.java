package org.descent.util;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@code manifest.json} in the common layout of every run (README, "Output schema"):
 * <pre>
 * schema_version  1
 * run_id          "20261122-081500-verify-3f9a"
 * kind            verify | compare | reproduce | probe | calibrate | train | dataset
 * command         ["descent", "verify", "--seeds", "2"] (null when started from Java code)
 * config          what re-runs it: an experiment config {task, model, train, eval} for verify, compare, train and
 *                 dataset runs (so {@code --config manifest.json} works); the preset, suite or case selection otherwise
 * seeds           named seeds
 * inputs          [{role, path, sha256, ...}]: checkpoints, datasets, probe jars read
 * files           {name: sha256} of the data files written beside it
 * provenance      {descent_version, git_commit, created, engine, ..., device, torch_threads, mkl_cbwr}
 * timings         seconds by phase
 * details         what is particular to the kind
 * </pre>
 * Checkpoint manifests ({@code train}) carry the same fields in their own record (format
 * {@code descent-lsa-checkpoint/3}).
 */
public final class RunManifest {
    private final Map<String, Object> m = new LinkedHashMap<>();
    private final List<Object> inputs = new ArrayList<>();
    private final Map<String, Object> files = new LinkedHashMap<>();
    private final Map<String, Object> details = new LinkedHashMap<>();

    /**
     * @param command the full command line, or null for a run started from Java code
     * @param config what re-runs it (see the class comment)
     * @param provenance {@link Provenance#collect}
     */
    public RunManifest(String runId, String kind, List<String> command, Object config,
            Map<String, Object> provenance) {
        if (!Schema.KINDS.contains(kind)) {
            throw new IllegalArgumentException("manifest: unknown kind \"" + kind + "\" (known: " + Schema.KINDS + ")");
        }
        m.put("schema_version", Schema.VERSION);
        m.put("run_id", runId);
        m.put("kind", kind);
        m.put("command", command == null ? null : List.copyOf(command));
        m.put("config", config);
        m.put("seeds", new LinkedHashMap<>());
        m.put("inputs", inputs);
        m.put("files", files);
        m.put("provenance", provenance);
        m.put("timings", new LinkedHashMap<>());
        m.put("details", details);
    }

    /** Sets the named seeds. */
    public RunManifest seeds(Map<String, ?> seeds) {
        m.put("seeds", new LinkedHashMap<>(seeds));
        return this;
    }

    /** Records a file the run read ({@code role}: checkpoint, dataset, probe, ...), with its checksum. */
    public RunManifest input(String role, String path, String sha256) {
        return input(role, path, sha256, Map.of());
    }

    /** As {@link #input(String, String, String)} with more fields (e.g. the probe a jar provides). */
    public RunManifest input(String role, String path, String sha256, Map<String, ?> more) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("role", role);
        e.put("path", path);
        e.put("sha256", sha256);
        e.putAll(more);
        inputs.add(e);
        return this;
    }

    /** Records a data file written into the run folder, with its checksum. */
    public RunManifest file(String name, String sha256) {
        files.put(name, sha256);
        return this;
    }

    /** Sets the timings (seconds by phase). */
    public RunManifest timings(Map<String, ?> timings) {
        m.put("timings", new LinkedHashMap<>(timings));
        return this;
    }

    /** Adds a kind-specific entry under {@code details}. */
    public RunManifest detail(String key, Object value) {
        details.put(key, value);
        return this;
    }

    /** The manifest, ready for {@link Json#write}. */
    public Map<String, Object> toMap() {
        return m;
    }
}
