package org.descent.foreign;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.descent.task.TaskConfig;
import org.descent.util.Json;

/**
 * The task sidecar of a foreign checkpoint: a JSON file beside the model that declares the in-context task it was
 * trained on, in descent's task format, e.g. for {@code model.pt} the file {@code model.pt.task.json}:
 *
 * <pre>{"d": 10, "n": 10, "inputs": "uniform", "inputScale": 1.0, "noise": 0.0}</pre>
 *
 * <p>The five keys above are required; the other {@link TaskConfig} keys ({@code covariance}, {@code family}, ...)
 * may be added for tasks that need them. Any other key is an error, so a typo never silently becomes a default.
 * The file {@code <stem>.task.json} ({@code model.task.json}) is accepted when {@code model.pt.task.json} is absent.
 */
public final class TaskSidecar {
    /** Suffix appended to the model file name. */
    public static final String SUFFIX = ".task.json";
    /** Keys every sidecar must state explicitly. */
    public static final List<String> REQUIRED_KEYS = List.of("d", "n", "inputs", "inputScale", "noise");

    private TaskSidecar() {}

    /** The sidecar path descent looks for first: {@code <model file name>.task.json}. */
    public static Path primaryPath(Path modelFile) {
        return modelFile.resolveSibling(modelFile.getFileName() + SUFFIX);
    }

    /** The sidecar of {@code modelFile}, if one of the two accepted names exists. */
    public static Optional<Path> locate(Path modelFile) {
        Path primary = primaryPath(modelFile);
        if (Files.isRegularFile(primary)) {
            return Optional.of(primary);
        }
        String name = modelFile.getFileName().toString();
        int dot = name.lastIndexOf('.');
        if (dot > 0) {
            Path stem = modelFile.resolveSibling(name.substring(0, dot) + SUFFIX);
            if (Files.isRegularFile(stem)) {
                return Optional.of(stem);
            }
        }
        return Optional.empty();
    }

    /**
     * Reads the task declared beside {@code modelFile}.
     *
     * @throws IllegalArgumentException (one line, naming the file) when no sidecar exists or it is invalid
     */
    public static TaskConfig forModel(Path modelFile) {
        Path sidecar = locate(modelFile).orElseThrow(() -> new IllegalArgumentException(modelFile
                + ": no task sidecar; write " + primaryPath(modelFile).getFileName()
                + " beside it, e.g. {\"d\": 10, \"n\": 10, \"inputs\": \"uniform\", \"inputScale\": 1.0, \"noise\": 0.0},"
                + " or give the task with --task FILE"));
        return read(sidecar);
    }

    /**
     * Reads one sidecar file.
     *
     * @throws IllegalArgumentException (one line, naming the file) for a missing file, bad JSON, a missing required
     *     key, an unknown key or an invalid task
     */
    public static TaskConfig read(Path sidecar) {
        Json.requireFile(sidecar, "task sidecar");
        JsonNode tree;
        try {
            tree = Json.mapper().readTree(sidecar.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(sidecar + ": " + Json.describe(e), e);
        }
        if (tree == null || !tree.isObject()) {
            throw new IllegalArgumentException(sidecar + ": a task sidecar must be a JSON object with keys "
                    + REQUIRED_KEYS);
        }
        for (String key : REQUIRED_KEYS) {
            if (!tree.has(key) || tree.get(key).isNull()) {
                throw new IllegalArgumentException(sidecar + ": missing required key \"" + key + "\" (required: "
                        + REQUIRED_KEYS + ")");
            }
        }
        try {
            return Json.mapper().treeToValue(tree, TaskConfig.class);
        } catch (IOException e) {
            throw new IllegalArgumentException(sidecar + ": " + Json.describe(e), e);
        }
    }
}
