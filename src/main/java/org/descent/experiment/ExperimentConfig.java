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

/**
 * One experiment: task, model, training and evaluation settings. A JSON config file may give any subset of the
 * keys; the rest keep their defaults, and an unknown key is an error.
 *
 * <pre>{@code {"task": {"d": 10, "n": 10}, "train": {"steps": 3000, "seed": 1}}}</pre>
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
        ObjectNode merged = Json.mapper().valueToTree(defaults());
        try {
            overlay(merged, (ObjectNode) user, "");
            return Json.mapper().treeToValue(merged, ExperimentConfig.class);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": " + Json.describe(e), e);
        }
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
