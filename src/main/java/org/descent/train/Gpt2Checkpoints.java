package org.descent.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.descent.experiment.ExperimentConfig;
import org.descent.model.gpt2.Gpt2Config;
import org.descent.model.gpt2.Gpt2Parameters;
import org.descent.model.gpt2.Gpt2Weights;
import org.descent.util.AtomicFiles;
import org.descent.util.Json;
import org.descent.util.RunDirectory;
import org.descent.util.RunManifest;
import org.descent.util.Safetensors;

/**
 * The checkpoint folder of a GPT-2 training run, {@code models/<run-id>-step<k>[-<status>]/}, readable without
 * descent ({@code safetensors.numpy.load_file}, {@code json}):
 * <ul>
 *   <li>{@code model.safetensors}: the weights, float32, by canonical Garg name ({@link Gpt2Parameters});</li>
 *   <li>{@code config.json}: {@code {"arch": "gpt2", "layers", "heads", "width", "positions", "inputWidth",
 *       "layerNormEps", "layout"}};</li>
 *   <li>{@code model.safetensors.task.json}: the task sidecar (descent's task keys plus {@code layout});</li>
 *   <li>{@code state.safetensors}: Adam moments {@code adam.m.<name>}, {@code adam.v.<name>} and {@code losses};</li>
 *   <li>{@code manifest.json}: the common run manifest (schema_version 1, kind {@code train}); {@code config} is the
 *       experiment config (so {@code --config manifest.json} re-runs it), {@code details} has {@code format}
 *       ({@value #FORMAT}), {@code status}, {@code step}, {@code checkpoint}, {@code resumedFrom}, and {@code files}
 *       the sha256 of every other file;</li>
 *   <li>final checkpoints also {@code metrics.json}, {@code report.md}, {@code error_vs_k.svg} and {@code loss.svg}: the
 *       error-vs-k evaluation and the training loss.</li>
 * </ul>
 * Written to a staging folder and published by one rename; loading verifies checksums, names, shapes and finiteness.
 */
public final class Gpt2Checkpoints {
    public static final String FORMAT = "descent-gpt2-checkpoint/1";
    public static final String MODEL = "model.safetensors";
    public static final String CONFIG = "config.json";
    public static final String SIDECAR = MODEL + ".task.json";
    public static final String STATE = "state.safetensors";
    public static final String MANIFEST = "manifest.json";

    private Gpt2Checkpoints() {}

    /** A checkpoint read back. */
    public record Loaded(Path dir, ExperimentConfig config, String runId, String status, Gpt2TrainingState state) {}

    /** Whether {@code dir} is a GPT-2 checkpoint folder (it has {@value #MODEL} and {@value #CONFIG}). */
    public static boolean isCheckpoint(Path dir) {
        return Files.isDirectory(dir) && Files.isRegularFile(dir.resolve(MODEL))
                && Files.isRegularFile(dir.resolve(CONFIG));
    }

    /** {@code config.json}: the architecture and the layout, the keys the safetensors model loader reads. */
    public static Map<String, Object> configJson(Gpt2Config c, String layout) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("arch", "gpt2");
        m.put("layers", c.layers());
        m.put("heads", c.heads());
        m.put("width", c.width());
        m.put("positions", c.positions());
        m.put("inputWidth", c.inputWidth());
        m.put("layerNormEps", c.layerNormEps());
        m.put("layout", layout);
        return m;
    }

    /**
     * Writes a checkpoint as a new folder {@code <modelsRoot>/<runId>-step<k>[-<status>]} and returns it (never
     * overwrites). {@code model.safetensors}, {@code state.safetensors} and {@code config.json} are
     * byte-reproducible from the state.
     *
     * @param extra more text files to publish with it (name → content), e.g. the final evaluation
     */
    public static Path save(Path modelsRoot, String runId, Gpt2TrainingState state, String status,
            ExperimentConfig config, Map<String, Object> provenance, Map<String, Object> timings, String resumedFrom,
            List<String> command, Map<String, String> extra) {
        String name = Checkpoints.folderName(runId, state.step(), status);
        RunDirectory dir = RunDirectory.named(modelsRoot, name);
        try {
            Gpt2Weights w = state.weights();
            Map<String, Safetensors.Tensor> model = new LinkedHashMap<>();
            Map<String, Safetensors.Tensor> adam = new LinkedHashMap<>();
            int i = 0;
            for (Map.Entry<String, float[]> e : w.values().entrySet()) {
                long[] shape = w.shape(e.getKey()).getShape();
                model.put(e.getKey(), new Safetensors.Tensor(shape, e.getValue()));
                adam.put("adam.m." + e.getKey(), new Safetensors.Tensor(shape, state.adamMeans()[i]));
                adam.put("adam.v." + e.getKey(), new Safetensors.Tensor(shape, state.adamVariances()[i]));
                i++;
            }
            adam.put("losses", new Safetensors.Tensor(new long[] {state.losses().length}, state.losses()));
            Safetensors.write(dir.file(MODEL), model, Map.of("format", "pt"));
            Safetensors.write(dir.file(STATE), adam, Map.of());
            AtomicFiles.writeString(dir.file(CONFIG), Json.write(configJson(w.config(), config.model().layout())));
            ObjectNode sidecar = Json.mapper().valueToTree(config.task());
            sidecar.put("layout", config.model().layout());
            AtomicFiles.writeString(dir.file(SIDECAR), Json.write(sidecar));
            for (Map.Entry<String, String> e : extra.entrySet()) {
                AtomicFiles.writeString(dir.file(e.getKey()), e.getValue());
            }
            RunManifest manifest = new RunManifest(runId, "train", command, config, provenance);
            for (String f : fileNames(extra)) {
                manifest.file(f, AtomicFiles.sha256(dir.file(f)));
            }
            manifest.timings(timings)
                    .detail("format", FORMAT)
                    .detail("status", status)
                    .detail("step", state.step())
                    .detail("checkpoint", name)
                    .detail("resumedFrom", resumedFrom)
                    .seeds(Map.of("train", config.train().seed()));
            AtomicFiles.writeString(dir.file(MANIFEST), Json.write(manifest.toMap()));
            return dir.publish();
        } finally {
            dir.discard();
        }
    }

    private static List<String> fileNames(Map<String, String> extra) {
        List<String> out = new java.util.ArrayList<>(List.of(MODEL, STATE, CONFIG, SIDECAR));
        out.addAll(extra.keySet());
        return out;
    }

    /**
     * Reads a checkpoint folder; every problem is an {@link IllegalArgumentException} with a one-line message naming
     * the file.
     */
    public static Loaded load(Path dir) {
        Path manifestFile = dir.resolve(MANIFEST);
        Json.requireFile(manifestFile, "checkpoint manifest");
        JsonNode manifest;
        try {
            manifest = Json.mapper().readTree(manifestFile.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(manifestFile + ": " + Json.describe(e), e);
        }
        JsonNode details = manifest.path("details");
        if (!FORMAT.equals(details.path("format").asText())) {
            throw new IllegalArgumentException(manifestFile + ": not a " + FORMAT + " checkpoint (details.format is "
                    + details.path("format") + ")");
        }
        JsonNode files = manifest.path("files");
        for (String f : List.of(MODEL, STATE, CONFIG)) {
            Path file = dir.resolve(f);
            if (!files.hasNonNull(f)) {
                throw new IllegalArgumentException(manifestFile + ": no sha256 for " + f + "; descent refuses "
                        + "unverifiable checkpoints (was the manifest edited?)");
            }
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException(dir + ": checkpoint file " + f + " is missing");
            }
            if (!files.get(f).asText().equals(AtomicFiles.sha256(file))) {
                throw new IllegalArgumentException(file + " is corrupt: its sha256 does not match the manifest");
            }
        }
        ExperimentConfig config;
        try {
            config = Json.mapper().treeToValue(manifest.get("config"), ExperimentConfig.class);
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException(manifestFile + ": unreadable \"config\": " + e.getMessage(), e);
        }
        if (!config.model().isGpt2()) {
            throw new IllegalArgumentException(manifestFile + ": the config's model is not arch \"gpt2\"");
        }
        Gpt2Config arch = config.model().gpt2Config(config.task());
        Map<String, Safetensors.Tensor> model = Safetensors.read(dir.resolve(MODEL)).tensors();
        Map<String, Safetensors.Tensor> state = Safetensors.read(dir.resolve(STATE)).tensors();
        Map<String, float[]> values = new LinkedHashMap<>();
        List<String> names = Gpt2Parameters.names(arch);
        float[][] means = new float[names.size()][];
        float[][] vars = new float[names.size()][];
        for (int i = 0; i < names.size(); i++) {
            String n = names.get(i);
            values.put(n, require(model, n, dir.resolve(MODEL)));
            means[i] = require(state, "adam.m." + n, dir.resolve(STATE));
            vars[i] = require(state, "adam.v." + n, dir.resolve(STATE));
            if (nonFinite(values.get(n)) + nonFinite(means[i]) + nonFinite(vars[i]) > 0) {
                throw new IllegalArgumentException(dir + ": " + n + " or its Adam state holds NaN or infinite values;"
                        + " the checkpoint is corrupt");
            }
        }
        float[] losses = require(state, "losses", dir.resolve(STATE));
        int step = details.path("step").asInt(-1);
        if (step != losses.length) {
            throw new IllegalArgumentException(manifestFile + ": step " + step + " but " + losses.length
                    + " losses in " + STATE);
        }
        Gpt2Weights weights;
        try {
            weights = new Gpt2Weights(arch, values);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(dir.resolve(MODEL) + ": " + e.getMessage(), e);
        }
        return new Loaded(dir, config, manifest.path("run_id").asText(), details.path("status").asText(),
                new Gpt2TrainingState(weights, means, vars, step, losses));
    }

    private static float[] require(Map<String, Safetensors.Tensor> tensors, String name, Path file) {
        Safetensors.Tensor t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException(file + " has no tensor \"" + name + "\"");
        }
        return t.values();
    }

    private static int nonFinite(float[] a) {
        int n = 0;
        for (float v : a) {
            n += Float.isFinite(v) ? 0 : 1;
        }
        return n;
    }

    /** Bytes a checkpoint takes on disk, an upper estimate (weights, two Adam moments, losses, text files). */
    public static long estimateBytes(Gpt2Config config, int steps) {
        return 3 * 4 * config.parameterCount() + 4L * steps + 256 * 1024;
    }
}
