package org.descent.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * One cell of a sweep: a point on the axes and a seed.
 *
 * @param index position in the plan (0-based; a Slurm array task id)
 * @param point the axis values, key → value
 * @param seed the training seed (verify) or the command's seed option
 * @param config the experiment config (verify; null for commands without one)
 * @param args the command's options (fixed ones and option axes), without the folders the sweep sets
 */
public record Cell(int index, Map<String, JsonNode> point, long seed, ObjectNode config, List<String> args) {

    public Cell {
        point = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(point));
        args = List.copyOf(args);
    }

    /** The cell's folder name: 4 digits (more when needed), so names sort by index. */
    public String id() {
        return id(index);
    }

    public static String id(int index) {
        return String.format(Locale.ROOT, "%04d", index);
    }

    /** {@code task.d=5 task.n=10 seed=1}. */
    public String label() {
        String p = point.entrySet().stream().map(e -> e.getKey() + "=" + (e.getValue().isTextual()
                ? e.getValue().asText() : e.getValue().toString())).collect(Collectors.joining(" "));
        return (p.isEmpty() ? "" : p + " ") + "seed=" + seed;
    }
}
