package org.descent.train;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.descent.model.LsaTransformerBlock;
import org.descent.model.LsaWeights;
import org.descent.model.ModelConfig;
import org.descent.task.TaskConfig;
import org.descent.util.AtomicFiles;
import org.descent.util.Json;
import org.descent.util.RunDirectory;
import org.descent.util.ReproducibleZip;

/**
 * descent's own checkpoint format: a folder {@code models/<run-id>/} with
 * <ul>
 *   <li>{@code lsa.params}: the {@link LsaTransformerBlock}'s parameters in DJL's parameter format;</li>
 *   <li>{@code state.npz}: Adam moments ({@code adam.m.<param>}, {@code adam.v.<param>}) and the loss history
 *       ({@code losses}), numpy-readable;</li>
 *   <li>{@code weights.npz}: the same weights for numpy and torch, float64 ({@link #weightsNpz});</li>
 *   <li>{@code manifest.json}: a {@link CheckpointManifest} with configs, provenance and file checksums, carrying the
 *       fields every run manifest has (README, "Output schema").</li>
 * </ul>
 * Checkpoints are written to a staging folder and published by one rename; loading verifies checksums and shapes.
 * Formats {@code descent-lsa-checkpoint/1} and {@code /2} (no {@code weights.npz}, {@code runId} for {@code run_id})
 * are still read.
 */
public final class Checkpoints {
    public static final String FORMAT = "descent-lsa-checkpoint/3";
    /** The second format: {@code runId} instead of {@code run_id}, no schema fields, no weights.npz; still read. */
    static final String FORMAT_2 = "descent-lsa-checkpoint/2";
    /** The first format: no {@code checkpoint} and {@code resumedFrom} keys; still read. */
    static final String FORMAT_1 = "descent-lsa-checkpoint/1";
    static final String PARAMS = "lsa.params";
    static final String STATE = "state.npz";
    /** The weights as float64 numpy arrays (format 3 on). */
    public static final String WEIGHTS = "weights.npz";
    static final String MANIFEST = "manifest.json";

    private Checkpoints() {}

    /**
     * The manifest of a checkpoint.
     *
     * @param format always {@link #FORMAT}
     * @param runId the run that wrote it
     * @param status {@code intermediate}, {@code final} or {@code diverged}
     * @param step completed optimiser steps
     * @param task the task it was trained on
     * @param model its architecture
     * @param train the training configuration
     * @param provenance versions, git commit, device, threads
     * @param timings seconds spent, by phase
     * @param sha256 checksum of each file; required (a checkpoint whose files cannot be verified is refused)
     * @param checkpoint the folder name it was published under, {@code <runId>-step<k>[-<status>]} (null in format 1)
     * @param resumedFrom the checkpoint folder the run continued, or null for a run from scratch
     * @param schemaVersion the output schema version (null before format 3)
     * @param kind always {@code train} (null before format 3)
     * @param command the command line of the training run (null before format 3, or when started from Java code)
     * @param config the experiment config of the run, whose task, model and train sections equal the ones above (null
     *     before format 3)
     */
    @com.fasterxml.jackson.annotation.JsonPropertyOrder({"schema_version", "format", "kind", "run_id", "command",
        "status", "step", "checkpoint", "resumedFrom", "task", "model", "train", "config", "sha256", "provenance",
        "timings"})
    public record CheckpointManifest(String format,
            @com.fasterxml.jackson.annotation.JsonProperty("run_id")
            @com.fasterxml.jackson.annotation.JsonAlias("runId") String runId,
            String status, int step, TaskConfig task,
            ModelConfig model, TrainConfig train, Map<String, Object> provenance, Map<String, Object> timings,
            Map<String, String> sha256, String checkpoint, String resumedFrom,
            @com.fasterxml.jackson.annotation.JsonProperty("schema_version") Integer schemaVersion, String kind,
            List<String> command, com.fasterxml.jackson.databind.JsonNode config) {
        public CheckpointManifest {
            for (Object[] f : new Object[][] {{"format", format}, {"run_id", runId}, {"status", status},
                {"task", task}, {"model", model}, {"train", train}}) {
                if (f[1] == null) {
                    throw new IllegalArgumentException("checkpoint manifest: required key \"" + f[0] + "\" is missing"
                            + " (a descent checkpoint always has it; was the manifest edited?)");
                }
            }
            if (sha256 == null || sha256.get(PARAMS) == null || sha256.get(STATE) == null) {
                throw new IllegalArgumentException("checkpoint manifest: no sha256 checksum for " + (sha256 == null
                        || sha256.get(PARAMS) == null ? PARAMS : STATE) + ", so its files cannot be verified; descent "
                        + "refuses unverifiable checkpoints (was the manifest edited?)");
            }
            if (step < 0) {
                throw new IllegalArgumentException("checkpoint manifest: step must be >= 0, got " + step);
            }
            if (!STATUSES.contains(status)) {
                throw new IllegalArgumentException("checkpoint manifest: status must be one of " + STATUSES + ", got \""
                        + status + "\"");
            }
        }
    }

    /** Checkpoint statuses. */
    public static final List<String> STATUSES = List.of("intermediate", "final", "diverged", "interrupted");

    /** A checkpoint read back: its manifest and the full training state. */
    public record Loaded(Path dir, CheckpointManifest manifest, TrainingState state) {}

    /** The folder name of a checkpoint: {@code <runId>-step<k, 7 digits>}, plus {@code -<status>} unless it is a
     * plain intermediate or final one, so names sort by run, then by step. */
    public static String folderName(String runId, int step, String status) {
        String base = runId + "-step" + String.format(java.util.Locale.ROOT, "%07d", step);
        return status.equals("intermediate") || status.equals("final") ? base : base + "-" + status;
    }

    /** {@link #save(Path, String, TrainingState, String, TaskConfig, ModelConfig, TrainConfig, Map, Map, String,
     * List, Object, NDManager)} for a run from scratch started from Java code. */
    public static Path save(Path modelsRoot, String runId, TrainingState state, String status, TaskConfig task,
            ModelConfig model, TrainConfig train, Map<String, Object> provenance, Map<String, Object> timings,
            NDManager manager) {
        return save(modelsRoot, runId, state, status, task, model, train, provenance, timings, null, manager);
    }

    /** {@link #save(Path, String, TrainingState, String, TaskConfig, ModelConfig, TrainConfig, Map, Map, String,
     * List, Object, NDManager)} for a run started from Java code, its config made of task, model and train. */
    public static Path save(Path modelsRoot, String runId, TrainingState state, String status, TaskConfig task,
            ModelConfig model, TrainConfig train, Map<String, Object> provenance, Map<String, Object> timings,
            String resumedFrom, NDManager manager) {
        return save(modelsRoot, runId, state, status, task, model, train, provenance, timings, resumedFrom, null, null,
                manager);
    }

    /**
     * Writes a checkpoint as a new folder {@code <modelsRoot>/<runId>-step<k>[-<status>]} and returns it; fails
     * (never overwrites) when that folder exists. Every file is byte-reproducible from the state (the manifest's
     * provenance and timings aside).
     *
     * @param resumedFrom the checkpoint the run continued, or null
     * @param command the command line of the run, or null when started from Java code
     * @param config the run's experiment config (its task, model and train sections must be the ones given), or null
     *     for {@code {task, model, train}}
     */
    public static Path save(Path modelsRoot, String runId, TrainingState state, String status, TaskConfig task,
            ModelConfig model, TrainConfig train, Map<String, Object> provenance, Map<String, Object> timings,
            String resumedFrom, List<String> command, Object config, NDManager manager) {
        com.fasterxml.jackson.databind.node.ObjectNode configNode = config != null
                ? Json.mapper().valueToTree(config) : Json.mapper().createObjectNode();
        if (config == null) {
            configNode.set("task", Json.mapper().valueToTree(task));
            configNode.set("model", Json.mapper().valueToTree(model));
            configNode.set("train", Json.mapper().valueToTree(train));
        }
        String mismatch = configMismatch(configNode, task, model, train);
        if (mismatch != null) {
            throw new IllegalArgumentException("checkpoint: the config's " + mismatch + " section differs from the "
                    + mismatch + " given");
        }
        String name = folderName(runId, state.step(), status);
        RunDirectory dir = RunDirectory.named(modelsRoot, name);
        try {
            try (NDManager scope = manager.newSubManager()) {
                LsaTransformerBlock block = LsaTransformerBlock.withWeights(scope, state.weights());
                AtomicFiles.write(dir.file(PARAMS), out -> {
                    DataOutputStream dos = new DataOutputStream(new BufferedOutputStream(out));
                    block.save(dos);
                    dos.flush();
                });
                List<Parameter> params = block.orderedParameters();
                NDList npz = new NDList();
                for (int i = 0; i < params.size(); i++) {
                    NDArray m = scope.create(state.adamMeans()[i], params.get(i).getShape());
                    m.setName("adam.m." + params.get(i).getName());
                    NDArray v = scope.create(state.adamVariances()[i], params.get(i).getShape());
                    v.setName("adam.v." + params.get(i).getName());
                    npz.add(m);
                    npz.add(v);
                }
                NDArray losses = scope.create(state.losses());
                losses.setName("losses");
                npz.add(losses);
                AtomicFiles.write(dir.file(STATE), out -> ReproducibleZip.writeNpz(npz, out));
            }
            weightsNpz(state.weights()).write(dir.file(WEIGHTS));
            Map<String, String> sums = new LinkedHashMap<>();
            sums.put(PARAMS, AtomicFiles.sha256(dir.file(PARAMS)));
            sums.put(STATE, AtomicFiles.sha256(dir.file(STATE)));
            sums.put(WEIGHTS, AtomicFiles.sha256(dir.file(WEIGHTS)));
            CheckpointManifest manifest = new CheckpointManifest(FORMAT, runId, status, state.step(), task, model,
                    train, provenance, timings, sums, name, resumedFrom, org.descent.util.Schema.VERSION, "train",
                    command, configNode);
            AtomicFiles.writeString(dir.file(MANIFEST), Json.write(manifest));
            return dir.publish();
        } finally {
            dir.discard();
        }
    }

    /** Bytes a checkpoint of this shape takes on disk (an upper estimate: parameters, Adam state, losses, manifest). */
    public static long estimateBytes(TaskConfig task, ModelConfig model, int steps) {
        long d = task.tokenDim();
        long distinct = model.weightTied() ? 1 : model.layers();
        long params = distinct * 4 * d * d * 4;
        long weightsNpz = distinct * 7 * d * d * 8 + distinct * 7 * 256;
        return 3 * params + weightsNpz + 4L * steps + 64 * 1024
                + (task.covariance() == null ? 0 : 16L * task.d() * task.d());
    }

    /**
     * Reads a checkpoint folder. Every problem (not a folder, foreign format, checksum mismatch, wrong shapes) is an
     * {@link IllegalArgumentException} with a one-line message naming the file.
     */
    public static Loaded load(Path dir, NDManager manager) {
        if (!Files.exists(dir)) {
            throw new IllegalArgumentException(dir + ": no such checkpoint folder");
        }
        if (Files.isRegularFile(dir)) {
            throw new IllegalArgumentException(dir + " is a file, not a descent checkpoint folder (models/<run-id>/)."
                    + " TorchScript files are probed with 'descent probe --checkpoint FILE'");
        }
        if (Gpt2Checkpoints.isCheckpoint(dir)) {
            throw new IllegalArgumentException(dir + " is a GPT-2 checkpoint (" + Gpt2Checkpoints.MODEL + "); this "
                    + "command reads LSA checkpoints. Continue it with 'descent train --resume " + dir + "'");
        }
        Path manifestFile = dir.resolve(MANIFEST);
        if (!Files.isRegularFile(manifestFile)) {
            throw new IllegalArgumentException(dir + " is not a descent checkpoint: no " + MANIFEST);
        }
        CheckpointManifest manifest = Json.read(manifestFile, CheckpointManifest.class);
        if (!FORMAT.equals(manifest.format()) && !FORMAT_2.equals(manifest.format())
                && !FORMAT_1.equals(manifest.format())) {
            throw new IllegalArgumentException(manifestFile + ": unsupported checkpoint format \"" + manifest.format()
                    + "\" (this descent reads " + FORMAT + ")");
        }
        for (String f : manifest.sha256().containsKey(WEIGHTS) ? List.of(PARAMS, STATE, WEIGHTS)
                : List.of(PARAMS, STATE)) {
            Path file = dir.resolve(f);
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException(dir + ": checkpoint file " + f + " is missing");
            }
            if (!manifest.sha256().get(f).equals(AtomicFiles.sha256(file))) {
                throw new IllegalArgumentException(file + " is corrupt: its sha256 does not match the manifest");
            }
        }
        int dim = manifest.task().tokenDim();
        ModelConfig model = manifest.model();
        try (NDManager scope = manager.newSubManager()) {
            LsaTransformerBlock block;
            try (DataInputStream in = new DataInputStream(new BufferedInputStream(
                    Files.newInputStream(dir.resolve(PARAMS))))) {
                block = LsaTransformerBlock.load(scope, in, dim, model.layers(), model.weightTied());
            } catch (MalformedModelException | IOException | RuntimeException e) {
                throw new IllegalArgumentException(dir.resolve(PARAMS) + " is not a readable LSA parameter file for"
                        + " D=" + dim + ", L=" + model.layers() + ": " + e.getMessage(), e);
            }
            LsaWeights weights = block.weights();
            List<Parameter> params = block.orderedParameters();
            NDList npz;
            try (InputStream in = new BufferedInputStream(Files.newInputStream(dir.resolve(STATE)))) {
                npz = NDList.decode(scope, in);
            } catch (IOException | RuntimeException e) {
                throw new IllegalArgumentException(dir.resolve(STATE) + " is not a readable npz: " + e.getMessage(), e);
            }
            Map<String, NDArray> byName = new LinkedHashMap<>();
            npz.forEach(a -> byName.put(a.getName(), a));
            float[][] means = new float[params.size()][];
            float[][] vars = new float[params.size()][];
            for (int i = 0; i < params.size(); i++) {
                String name = params.get(i).getName();
                means[i] = require(byName, "adam.m." + name, dir).toFloatArray();
                vars[i] = require(byName, "adam.v." + name, dir).toFloatArray();
                if (means[i].length != dim * dim || vars[i].length != dim * dim) {
                    throw new IllegalArgumentException(dir.resolve(STATE) + ": optimizer state for " + name
                            + " has the wrong size");
                }
            }
            float[] losses = require(byName, "losses", dir).toFloatArray();
            if (losses.length != manifest.step()) {
                throw new IllegalArgumentException(dir.resolve(STATE) + ": " + losses.length + " losses for "
                        + manifest.step() + " steps");
            }
            requireFinite(dir, weights, params, means, vars, losses);
            String mismatch = manifest.config() == null ? null
                    : configMismatch(manifest.config(), manifest.task(), model, manifest.train());
            if (mismatch != null) {
                throw new IllegalArgumentException(manifestFile + ": \"config\" has another " + mismatch + " section "
                        + "than the checkpoint's \"" + mismatch + "\" (was the manifest edited?)");
            }
            return new Loaded(dir, manifest, new TrainingState(weights, means, vars, manifest.step(), losses));
        } catch (UncheckedIOException e) {
            throw new IllegalArgumentException(dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Refuses a state that cannot have come from a healthy run: NaN or infinite weights, Adam moments or losses, or a
     * negative second moment. (Resuming such a state would "diverge" at once and save the corrupt input as the last
     * good state.)
     */
    private static void requireFinite(Path dir, LsaWeights weights, List<Parameter> params, float[][] means,
            float[][] vars, float[] losses) {
        for (int l = 0; l < weights.layers().size(); l++) {
            double[][] m = weights.layers().get(l).matrices();
            for (int k = 0; k < m.length; k++) {
                int bad = nonFinite(m[k]);
                if (bad > 0) {
                    throw new IllegalArgumentException(dir.resolve(PARAMS) + ": weights of layer " + l + " ("
                            + params.get(l * 4 + k).getName() + ") hold " + bad + " NaN or infinite values; the "
                            + "checkpoint is corrupt");
                }
            }
        }
        for (int i = 0; i < params.size(); i++) {
            String name = params.get(i).getName();
            int badM = nonFinite(means[i]);
            int badV = nonFinite(vars[i]);
            int negV = 0;
            for (float v : vars[i]) {
                negV += v < 0 ? 1 : 0;
            }
            if (badM > 0 || badV > 0 || negV > 0) {
                throw new IllegalArgumentException(dir.resolve(STATE) + ": Adam state of " + name + " holds "
                        + (badM + badV) + " NaN or infinite values" + (negV > 0 ? " and " + negV
                        + " negative second moments" : "") + "; the checkpoint is corrupt and cannot be resumed");
            }
        }
        int badLoss = nonFinite(losses);
        if (badLoss > 0) {
            throw new IllegalArgumentException(dir.resolve(STATE) + ": the loss history holds " + badLoss
                    + " NaN or infinite values; the checkpoint is corrupt");
        }
    }

    /** The first of task, model, train whose section in {@code config} differs from the given one, or null. */
    private static String configMismatch(com.fasterxml.jackson.databind.JsonNode config, TaskConfig task,
            ModelConfig model, TrainConfig train) {
        Object[][] sections = {{"task", task}, {"model", model}, {"train", train}};
        for (Object[] s : sections) {
            com.fasterxml.jackson.databind.JsonNode node = config.get((String) s[0]);
            try {
                if (node == null || !s[1].equals(Json.mapper().treeToValue(node, s[1].getClass()))) {
                    return (String) s[0];
                }
            } catch (IOException | IllegalArgumentException e) {
                return (String) s[0];
            }
        }
        return null;
    }

    /**
     * The weights as float64 arrays for numpy and torch ({@code weights.npz}), per distinct layer {@code l}:
     * {@code layer<l>.W_Q}, {@code .W_K}, {@code .W_V}, {@code .P} ({@code [D, D]}, the column-vector convention of
     * the README's contracts), the products {@code layer<l>.W_KQ = W_Kᵀ W_Q} and {@code layer<l>.W_PV = P W_V}, and
     * {@code layer<l>.Gamma_eff = −(W_PV)[d, d] · (W_KQ)[:d, :d]ᵀ} ({@code [d, d]}); plus scalars {@code depth} (layer
     * applications L) and {@code weight_tied} (1 when one layer is applied L times).
     */
    public static org.descent.util.Npz weightsNpz(LsaWeights weights) {
        org.descent.util.Npz npz = new org.descent.util.Npz();
        int dim = weights.dim();
        for (int l = 0; l < weights.layers().size(); l++) {
            org.descent.model.LsaLayerWeights layer = weights.layers().get(l);
            double[][] m = layer.matrices();
            String p = "layer" + l + ".";
            String[] names = {"W_Q", "W_K", "W_V", "P"};
            for (int k = 0; k < 4; k++) {
                npz.put(p + names[k], org.descent.util.Npz.Array.of(m[k], dim, dim));
            }
            npz.put(p + "W_KQ", org.descent.util.Npz.Array.of(layer.keyQuery().getData(), dim, dim));
            npz.put(p + "W_PV", org.descent.util.Npz.Array.of(layer.projectedValue().getData(), dim, dim));
            npz.put(p + "Gamma_eff", org.descent.util.Npz.Array.of(
                    org.descent.oracle.EffectivePreconditioner.of(layer).gamma().getData(), dim - 1, dim - 1));
        }
        npz.put("depth", weights.depth());
        npz.put("weight_tied", weights.weightTied() ? 1 : 0);
        return npz;
    }

    private static int nonFinite(double[] a) {
        int n = 0;
        for (double v : a) {
            n += Double.isFinite(v) ? 0 : 1;
        }
        return n;
    }

    private static int nonFinite(float[] a) {
        int n = 0;
        for (float v : a) {
            n += Float.isFinite(v) ? 0 : 1;
        }
        return n;
    }

    private static NDArray require(Map<String, NDArray> byName, String key, Path dir) {
        NDArray a = byName.get(key);
        if (a == null) {
            throw new IllegalArgumentException(dir.resolve(STATE) + " has no array \"" + key + "\"");
        }
        return a;
    }
}
