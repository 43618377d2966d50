package org.descent.foreign;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.descent.task.TaskConfig;
import org.descent.task.layout.Concatenated;
import org.descent.task.layout.PromptLayout;
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
 *
 * <p>One more key, {@code "layout"}, names the prompt layout the model reads (one of {@link PromptLayout#names()});
 * when absent it is {@code concatenated}, the token layout of the README's contracts. A GPT-2 checkpoint trained by
 * Garg et al. reads {@code "interleaved"}; its {@code config.json} names the layout too, and the two must agree.
 */
public final class TaskSidecar {
    /** Suffix appended to the model file name. */
    public static final String SUFFIX = ".task.json";
    /** Keys every sidecar must state explicitly. */
    public static final List<String> REQUIRED_KEYS = List.of("d", "n", "inputs", "inputScale", "noise");
    /** The optional key naming the prompt layout. */
    public static final String LAYOUT_KEY = "layout";

    /**
     * What a sidecar declares.
     *
     * @param task the in-context task
     * @param layout the prompt layout the model reads ({@code concatenated} when the file does not say)
     * @param layoutStated whether the file names the layout
     */
    public record Declaration(TaskConfig task, PromptLayout layout, boolean layoutStated) {
        public Declaration {
            if (task == null || layout == null) {
                throw new IllegalArgumentException("task sidecar: a declaration needs a task and a layout");
            }
        }

        /** A task with the default layout, not stated. */
        public static Declaration of(TaskConfig task) {
            return new Declaration(task, new Concatenated(), false);
        }
    }

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
        return declarationForModel(modelFile).task();
    }

    /**
     * Reads the task and layout declared beside {@code modelFile}.
     *
     * @throws IllegalArgumentException (one line, naming the file) when no sidecar exists or it is invalid
     */
    public static Declaration declarationForModel(Path modelFile) {
        Path sidecar = locate(modelFile).orElseThrow(() -> new IllegalArgumentException(modelFile
                + ": no task sidecar; write " + primaryPath(modelFile).getFileName()
                + " beside it, e.g. {\"d\": 10, \"n\": 10, \"inputs\": \"uniform\", \"inputScale\": 1.0, \"noise\": 0.0},"
                + " or give the task with --task FILE"));
        return declaration(sidecar);
    }

    /**
     * Reads one sidecar file.
     *
     * @throws IllegalArgumentException (one line, naming the file) for a missing file, bad JSON, a missing required
     *     key, an unknown key or an invalid task
     */
    public static TaskConfig read(Path sidecar) {
        return declaration(sidecar).task();
    }

    /**
     * Reads one sidecar file with its layout.
     *
     * @throws IllegalArgumentException (one line, naming the file) for a missing file, bad JSON, a missing required
     *     key, an unknown key or layout, or an invalid task
     */
    public static Declaration declaration(Path sidecar) {
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
        PromptLayout layout = new Concatenated();
        boolean stated = tree.has(LAYOUT_KEY);
        if (stated) {
            JsonNode value = tree.get(LAYOUT_KEY);
            if (!value.isTextual()) {
                throw new IllegalArgumentException(sidecar + ": \"" + LAYOUT_KEY + "\" must be a string, one of "
                        + PromptLayout.names() + ", got " + value);
            }
            try {
                layout = PromptLayout.named(value.asText());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(sidecar + ": " + e.getMessage(), e);
            }
            ((com.fasterxml.jackson.databind.node.ObjectNode) tree).remove(LAYOUT_KEY);
        }
        try {
            return new Declaration(Json.mapper().treeToValue(tree, TaskConfig.class), layout, stated);
        } catch (IOException e) {
            throw new IllegalArgumentException(sidecar + ": " + Json.describe(e), e);
        }
    }
}
