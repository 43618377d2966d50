package org.descent.util;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reading a run folder's metrics.json and manifest.json (README, "Output schema") in tests. */
public final class RunFiles {
    private RunFiles() {}

    /** The parsed JSON file {@code name} of {@code folder}. */
    public static JsonNode json(Path folder, String name) {
        try {
            return Json.mapper().readTree(folder.resolve(name).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The records of {@code metrics}, by key. */
    public static Map<String, JsonNode> records(JsonNode metricsJson) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        metricsJson.get("metrics").forEach(r -> out.put(r.get("key").asText(), r));
        return out;
    }

    /** The value of the metric {@code key}; fails when there is none. */
    public static double value(JsonNode metricsJson, String key) {
        JsonNode r = records(metricsJson).get(key);
        if (r == null) {
            throw new AssertionError("metrics.json has no record \"" + key + "\"; keys: "
                    + records(metricsJson).keySet());
        }
        return r.get("value").isNull() ? Double.NaN : r.get("value").asDouble();
    }

    /** The series (curve) {@code key} of {@code metrics}, its y values. */
    public static double[] series(JsonNode metricsJson, String key) {
        for (JsonNode s : metricsJson.get("series")) {
            if (s.get("key").asText().equals(key)) {
                double[] y = new double[s.get("y").size()];
                for (int i = 0; i < y.length; i++) {
                    y[i] = s.get("y").get(i).asDouble();
                }
                return y;
            }
        }
        throw new AssertionError("metrics.json has no series \"" + key + "\"");
    }
}
