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

/**
 * descent's own checkpoint format: a folder {@code models/<run-id>/} with
 * <ul>
 *   <li>{@code lsa.params}: the {@link LsaTransformerBlock}'s parameters in DJL's parameter format;</li>
 *   <li>{@code state.npz}: Adam moments ({@code adam.m.<param>}, {@code adam.v.<param>}) and the loss history
 *       ({@code losses}), numpy-readable;</li>
 *   <li>{@code manifest.json}: a {@link CheckpointManifest} with configs, provenance and file checksums.</li>
 * </ul>
 * Checkpoints are written to a staging folder and published by one rename; loading verifies checksums and shapes.
 */
public final class Checkpoints {
    public static final String FORMAT = "descent-lsa-checkpoint/1";
    static final String PARAMS = "lsa.params";
    static final String STATE = "state.npz";
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
     * @param sha256 checksum of each file
     */
    public record CheckpointManifest(String format, String runId, String status, int step, TaskConfig task,
            ModelConfig model, TrainConfig train, Map<String, Object> provenance, Map<String, Object> timings,
            Map<String, String> sha256) {}

    /** A checkpoint read back: its manifest and the full training state. */
    public record Loaded(Path dir, CheckpointManifest manifest, TrainingState state) {}

    /**
     * Writes a checkpoint as a new folder {@code <modelsRoot>/<run-id>[-step<k>]} and returns it.
     */
    public static Path save(Path modelsRoot, String runId, TrainingState state, String status, TaskConfig task,
            ModelConfig model, TrainConfig train, Map<String, Object> provenance, Map<String, Object> timings,
            NDManager manager) {
        RunDirectory dir = RunDirectory.create(modelsRoot, "train");
        try (NDManager scope = manager.newSubManager()) {
            LsaTransformerBlock block = LsaTransformerBlock.withWeights(scope, state.weights());
            AtomicFiles.write(dir.file(PARAMS), out -> {
                try (DataOutputStream dos = new DataOutputStream(new BufferedOutputStream(out))) {
                    block.save(dos);
                }
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
            AtomicFiles.write(dir.file(STATE), out -> npz.encode(out, NDList.Encoding.NPZ));
        }
        Map<String, String> sums = new LinkedHashMap<>();
        sums.put(PARAMS, AtomicFiles.sha256(dir.file(PARAMS)));
        sums.put(STATE, AtomicFiles.sha256(dir.file(STATE)));
        CheckpointManifest manifest = new CheckpointManifest(FORMAT, runId, status, state.step(), task, model, train,
                provenance, timings, sums);
        AtomicFiles.writeString(dir.file(MANIFEST), Json.write(manifest));
        return dir.publish();
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
        Path manifestFile = dir.resolve(MANIFEST);
        if (!Files.isRegularFile(manifestFile)) {
            throw new IllegalArgumentException(dir + " is not a descent checkpoint: no " + MANIFEST);
        }
        CheckpointManifest manifest = Json.read(manifestFile, CheckpointManifest.class);
        if (!FORMAT.equals(manifest.format())) {
            throw new IllegalArgumentException(manifestFile + ": unsupported checkpoint format \"" + manifest.format()
                    + "\" (this descent reads " + FORMAT + ")");
        }
        for (String f : List.of(PARAMS, STATE)) {
            Path file = dir.resolve(f);
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException(dir + ": checkpoint file " + f + " is missing");
            }
            String expected = manifest.sha256() == null ? null : manifest.sha256().get(f);
            if (expected != null && !expected.equals(AtomicFiles.sha256(file))) {
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
            return new Loaded(dir, manifest, new TrainingState(weights, means, vars, manifest.step(), losses));
        } catch (UncheckedIOException e) {
            throw new IllegalArgumentException(dir + ": " + e.getMessage(), e);
        }
    }

    private static NDArray require(Map<String, NDArray> byName, String key, Path dir) {
        NDArray a = byName.get(key);
        if (a == null) {
            throw new IllegalArgumentException(dir.resolve(STATE) + " has no array \"" + key + "\"");
        }
        return a;
    }
}
