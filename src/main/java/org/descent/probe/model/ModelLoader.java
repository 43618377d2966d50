package org.descent.probe.model;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.descent.experiment.ExperimentConfig;
import org.descent.foreign.Gpt2Checkpoint;
import org.descent.foreign.TaskSidecar;
import org.descent.foreign.TorchScriptModel;
import org.descent.model.LsaRegressor;
import org.descent.model.LsaWeights;
import org.descent.probe.HiddenStates;
import org.descent.probe.ModelUnderTest;
import org.descent.task.PromptSet;
import org.descent.task.Seeds;
import org.descent.task.TaskConfig;
import org.descent.task.TaskSamplers;
import org.descent.train.Checkpoints;
import org.descent.util.AtomicFiles;
import org.descent.util.Json;

/**
 * Opens a checkpoint as a {@link ModelUnderTest}:
 * <ul>
 *   <li>a folder is a descent checkpoint ({@link Checkpoints}): an LSA evaluated in float64 with autograd Jacobians,
 *       hidden states and weights; its task comes from its manifest;</li>
 *   <li>a file is a TorchScript module ({@link TorchScriptModel}): float32 predictions, autograd Jacobians, hidden
 *       states when it exports {@code forward_with_hidden}, LSA weights when its parameters map onto an LSA
 *       ({@link LsaParameterMapping}) and reproduce its predictions; its task comes from {@code --task FILE} or the
 *       sidecar {@code <file>.task.json}.</li>
 *   <li>a {@code .safetensors} file, or a folder holding {@code model.safetensors}, is a GPT-2 in-context regressor
 *       ({@link Gpt2Checkpoint}, e.g. Garg et al.'s converted by {@code scripts/convert_garg_checkpoint.py}):
 *       float64 predictions in its prompt layout, autograd Jacobians, hidden states, named activations and, for
 *       interleaved layouts, predictions after every prefix; its task comes from {@code --task FILE} or its
 *       sidecar.</li>
 * </ul>
 * Pickled PyTorch files ({@code torch.save}, e.g. a Garg {@code state.pt}, or a folder holding one) are refused:
 * descent never unpickles; the message says how to convert or export them.
 * Every problem is an {@link IllegalArgumentException} with a one-line message naming the file.
 */
public final class ModelLoader {
    /** Relative agreement required before a TorchScript module's parameters are trusted as LSA weights. */
    static final double LSA_MATCH_TOLERANCE = 1e-4;
    private static final int LSA_MATCH_PROMPTS = 64;

    private ModelLoader() {}

    /**
     * Opens {@code checkpoint}.
     *
     * @param taskFile the task (a task JSON like a sidecar, or a descent config file with a {@code "task"} section);
     *     null to use the checkpoint's own (manifest or sidecar)
     * @param manager owner of the model's arrays; its device is the run's device
     */
    public static ModelUnderTest load(Path checkpoint, Path taskFile, NDManager manager) {
        return load(checkpoint, taskFile, manager, null);
    }

    /**
     * Opens {@code checkpoint}, printing notes (keys a GPT-2 checkpoint holds that are not parameters) to
     * {@code notes} when given.
     */
    public static ModelUnderTest load(Path checkpoint, Path taskFile, NDManager manager, java.io.PrintWriter notes) {
        if (Gpt2Checkpoint.recognises(checkpoint)) {
            Gpt2Checkpoint gpt2 = Gpt2Checkpoint.read(checkpoint, taskFile == null ? null : readDeclaration(taskFile),
                    taskFile == null ? null : "--task " + taskFile);
            if (notes != null && !gpt2.note().isEmpty()) {
                notes.println("descent: " + gpt2.note());
            }
            return Gpt2Models.underTest(gpt2.regressor(manager), gpt2.task(), gpt2.origin());
        }
        if (Files.isDirectory(checkpoint) && !Files.exists(checkpoint.resolve("lsa.params"))
                && Files.exists(checkpoint.resolve("state.pt"))) {
            throw new IllegalArgumentException(checkpoint.resolve("state.pt") + ": a pickled PyTorch checkpoint;"
                    + " descent never unpickles (loading a pickle can run code): "
                    + Gpt2Checkpoint.convertHint(checkpoint.resolve("state.pt")));
        }
        if (Files.isDirectory(checkpoint)) {
            return loadDescent(checkpoint, taskFile == null ? null : readTask(taskFile), manager);
        }
        if (!Files.exists(checkpoint)) {
            throw new IllegalArgumentException(checkpoint + ": no such checkpoint file or folder");
        }
        if (taskFile != null) {
            requireConcatenated(checkpoint, readDeclaration(taskFile), "--task " + taskFile);
        }
        return loadTorchScript(checkpoint, taskFile == null ? null : readTask(taskFile), manager);
    }

    /**
     * Reads a task file: either a task object ({@code {"d": 10, "n": 10, "inputs": "uniform", ...}}, the sidecar
     * format) or a descent config file whose {@code "task"} section is used.
     */
    public static TaskConfig readTask(Path file) {
        Json.requireFile(file, "task file");
        JsonNode tree;
        try {
            tree = Json.mapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": " + Json.describe(e), e);
        }
        if (tree != null && tree.isObject() && tree.has("task") && tree.get("task").isObject()) {
            return ExperimentConfig.load(file).task();
        }
        return TaskSidecar.read(file);
    }

    /** {@link #readTask} with the layout a sidecar-format file may state (a config file's task states none). */
    public static TaskSidecar.Declaration readDeclaration(Path file) {
        Json.requireFile(file, "task file");
        JsonNode tree;
        try {
            tree = Json.mapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": " + Json.describe(e), e);
        }
        if (tree != null && tree.isObject() && tree.has("task") && tree.get("task").isObject()) {
            return TaskSidecar.Declaration.of(ExperimentConfig.load(file).task());
        }
        return TaskSidecar.declaration(file);
    }

    private static ModelUnderTest loadDescent(Path dir, TaskConfig override, NDManager manager) {
        Checkpoints.Loaded loaded = Checkpoints.load(dir, manager);
        TaskConfig task = loaded.manifest().task();
        if (override != null && !override.equals(task)) {
            throw new IllegalArgumentException(dir + " was trained on task " + task + "; --task gives another ("
                    + override + "); descent checkpoints carry their task, --task is for TorchScript files");
        }
        LsaWeights weights = loaded.state().weights();
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("run_id", loaded.manifest().runId());
        details.put("status", loaded.manifest().status());
        details.put("step", loaded.manifest().step());
        details.put("layers", weights.depth());
        details.put("weight_tied", weights.weightTied());
        ModelUnderTest.Origin origin = new ModelUnderTest.Origin("descent-checkpoint", dir.toString(),
                AtomicFiles.sha256(dir.resolve("lsa.params")), details);
        return fromLsaWeights("LSA " + loaded.manifest().runId(), weights, task, origin, manager);
    }

    /** An in-memory LSA (trained or constructed) as a model under test, with every capability. */
    public static ModelUnderTest fromLsaWeights(String name, LsaWeights weights, TaskConfig task,
            ModelUnderTest.Origin origin, NDManager manager) {
        LsaRegressor lsa = new LsaRegressor(name, weights, manager);
        return ModelUnderTest.builder(lsa, task, origin)
                .sensitivity(lsa)
                .hiddenStates(prompts -> fromPerLayer(lsa.hiddenStates(prompts), prompts))
                .lsaWeights(weights)
                .build();
    }

    private static ModelUnderTest loadTorchScript(Path file, TaskConfig override, NDManager manager) {
        if (override == null && Files.isRegularFile(file)) {
            TaskSidecar.locate(file).ifPresent(p -> requireConcatenated(file, TaskSidecar.declaration(p), p.toString()));
        }
        TorchScriptModel.Builder b = TorchScriptModel.builder().setFile(file).optDevice(manager.getDevice());
        if (override != null) {
            b.optTask(override);
        }
        TorchScriptModel ts = b.build();
        try {
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("parameters", ts.parameterNames());
            details.put("task_source", override != null ? "--task" : TaskSidecar.locate(file).map(Path::toString)
                    .orElse("?"));
            Optional<LsaWeights> weights = verifiedLsaWeights(ts, manager);
            details.put("lsa_weights", weights.isPresent());
            ModelUnderTest.Origin origin = new ModelUnderTest.Origin("torchscript", file.toString(),
                    AtomicFiles.sha256(file), details);
            ModelUnderTest.Builder mb = ModelUnderTest.builder(ts, ts.task(), origin).sensitivity(ts).resources(ts);
            if (ts.hasHiddenStates()) {
                mb.hiddenStates(prompts -> fromPerLayer(ts.hiddenStates(prompts).orElseThrow(), prompts));
            }
            weights.ifPresent(mb::lsaWeights);
            return mb.build();
        } catch (RuntimeException e) {
            ts.close();
            throw e;
        }
    }

    /** A TorchScript module reads canonical tokens: a task that declares another layout is a mistake. */
    private static void requireConcatenated(Path file, TaskSidecar.Declaration d, String where) {
        if (!d.layout().name().equals(org.descent.task.layout.Concatenated.NAME)) {
            throw new IllegalArgumentException(file + ": " + where + " declares layout '" + d.layout().name()
                    + "', but a TorchScript module reads the concatenated tokens of the README's contracts ([x_i, y_i]"
                    + " rows, query [x_q, 0]); drop the \"layout\" key");
        }
    }

    /** LSA weights read from the module's parameters, if they reproduce its predictions on a few task prompts. */
    private static Optional<LsaWeights> verifiedLsaWeights(TorchScriptModel ts, NDManager manager) {
        Optional<LsaWeights> w = LsaParameterMapping.read(ts.parameters(), ts.task().tokenDim());
        if (w.isEmpty()) {
            return w;
        }
        PromptSet check = TaskSamplers.forTask(ts.task()).samplePromptSet(manager, LSA_MATCH_PROMPTS,
                Seeds.derive(0, Seeds.TEST, 99));
        double[] module = ts.predict(check);
        double[] lsa = new LsaRegressor("check", w.get(), manager).predict(check);
        double diff = 0;
        double scale = 0;
        for (int i = 0; i < module.length; i++) {
            diff = Math.max(diff, Math.abs(module[i] - lsa[i]));
            scale = Math.max(scale, Math.abs(lsa[i]));
        }
        return diff <= LSA_MATCH_TOLERANCE * Math.max(1.0, scale) ? w : Optional.empty();
    }

    /** Converts {@code [L+1][B][T·D_h]} per-layer rows to {@link HiddenStates}. */
    public static HiddenStates fromPerLayer(double[][][] perLayer, PromptSet prompts) {
        int layers = perLayer.length;
        int b = prompts.size();
        int t = prompts.n() + 1;
        int rowLength = perLayer[0][0].length;
        if (rowLength % t != 0) {
            throw new IllegalArgumentException("hidden states: rows of " + rowLength + " values do not split into "
                    + t + " tokens");
        }
        int width = rowLength / t;
        double[] flat = new double[layers * b * rowLength];
        for (int l = 0; l < layers; l++) {
            for (int p = 0; p < b; p++) {
                System.arraycopy(perLayer[l][p], 0, flat, (l * b + p) * rowLength, rowLength);
            }
        }
        return new HiddenStates(layers, b, t, width, flat);
    }
}
