package org.descent.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import org.descent.model.ModelConfig;
import org.descent.task.TaskConfig;
import org.descent.train.TrainConfig;
import org.descent.util.Json;
import org.descent.util.Schema;

/**
 * One experiment: task, model, training and evaluation settings. A JSON config file may give any subset of the
 * keys; the rest keep their defaults, and an unknown key is an error.
 *
 * <pre>{@code {"task": {"d": 10, "n": 10}, "train": {"steps": 3000, "seed": 1}}}</pre>
 *
 * <p>The {@code manifest.json} of a verify, compare, train (checkpoint) or dataset run is read as its {@code config}
 * object, so {@code --config reports/<run-id>/manifest.json} re-runs that run: a manifest is recognised by its
 * {@code schema_version} (or, for manifests written before the schema, by {@code run_id} with {@code kind}, or a
 * checkpoint's {@code format}); its config is then read as strictly as a config file.
 */
public record ExperimentConfig(TaskConfig task, ModelConfig model, TrainConfig train, EvalConfig eval) {

    public ExperimentConfig {
        task = task == null ? TaskConfig.defaults() : task;
        model = model == null ? ModelConfig.defaults() : model;
        train = train == null ? TrainConfig.defaults() : train;
        eval = eval == null ? EvalConfig.defaults() : eval;
    }

    public static ExperimentConfig defaults() {
        return new ExperimentConfig(null, null, null, null);
    }

    /** Reads {@code file} over {@link #defaults()}. */
    public static ExperimentConfig load(Path file) {
        Json.requireFile(file, "config file");
        JsonNode user;
        try {
            user = Json.mapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": " + Json.describe(e), e);
        }
        if (user == null || !user.isObject()) {
            throw new IllegalArgumentException(file + ": a config file must be a JSON object");
        }
        if (isManifest(user)) {
            user = configOfManifest(file, (ObjectNode) user);
        }
        return fromJson((ObjectNode) user, file.toString());
    }

    /**
     * Reads a config object over {@link #defaults()} exactly as {@link #load} reads a file (the same strictness:
     * unknown keys, strings for numbers, fractional integers are errors naming the key); {@code source} names it in
     * messages (a file, or a sweep cell).
     */
    public static ExperimentConfig fromJson(ObjectNode user, String source) {
        ObjectNode merged = Json.mapper().valueToTree(defaults());
        try {
            overlay(merged, user, "");
            return Json.mapper().treeToValue(merged, ExperimentConfig.class);
        } catch (IOException e) {
            throw new IllegalArgumentException(source + ": " + Json.describe(e), e);
        }
    }

    /** Whether {@code node} is a run manifest rather than a plain config file. */
    static boolean isManifest(JsonNode node) {
        return node.has("schema_version") || node.has("run_id") && node.has("kind")
                || node.path("format").asText().startsWith("descent-lsa-checkpoint/")
                || node.path("format").asText().startsWith("descent-prompts/");
    }

    /** The experiment config recorded in a run manifest (see the class comment). */
    static ObjectNode configOfManifest(Path file, ObjectNode manifest) {
        JsonNode version = manifest.get("schema_version");
        if (version != null && (!version.isInt() || version.asInt() < 1 || version.asInt() > Schema.VERSION)) {
            throw new IllegalArgumentException(file + ": a manifest of schema_version " + version + "; this descent reads "
                    + "schema versions 1 to " + Schema.VERSION);
        }
        String format = manifest.path("format").asText("");
        String kind = manifest.path("kind").asText(format.startsWith("descent-lsa-checkpoint/") ? "train"
                : format.startsWith("descent-prompts/") ? "dataset" : "");
        if (!Schema.EXPERIMENT_KINDS.contains(kind)) {
            JsonNode command = manifest.get("command");
            throw new IllegalArgumentException(file + ": the manifest of a" + (kind.isEmpty() ? "n unknown" : " " + kind)
                    + " run holds no experiment config (only verify, compare, train and dataset manifests do)"
                    + (command != null && command.isArray() && !command.isEmpty()
                            ? "; it was run with: " + commandText(command) : ""));
        }
        JsonNode config = manifest.get("config");
        if (config == null && manifest.has("task")) { // a checkpoint or dataset manifest written before the schema
            ObjectNode built = Json.mapper().createObjectNode();
            for (String section : new String[] {"task", "model", "train"}) {
                if (manifest.has(section)) {
                    built.set(section, manifest.get(section));
                }
            }
            config = built;
        }
        if (config == null || !config.isObject()) {
            throw new IllegalArgumentException(file + ": the " + kind + " manifest has no \"config\" object");
        }
        return (ObjectNode) config;
    }

    private static String commandText(JsonNode command) {
        StringBuilder sb = new StringBuilder();
        command.forEach(a -> sb.append(sb.length() == 0 ? "" : " ").append(a.asText()));
        return sb.toString();
    }

    private static void overlay(ObjectNode base, ObjectNode user, String path) {
        Iterator<Map.Entry<String, JsonNode>> it = user.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
            JsonNode existing = base.get(e.getKey());
            if (existing != null && existing.isObject() && e.getValue().isObject()) {
                overlay((ObjectNode) existing, (ObjectNode) e.getValue(), key);
            } else {
                base.set(e.getKey(), e.getValue());
            }
        }
    }
}
