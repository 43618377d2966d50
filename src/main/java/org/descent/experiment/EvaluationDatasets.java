package org.descent.experiment;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.descent.task.PromptSet;
import org.descent.task.TaskConfig;
import org.descent.util.AtomicFiles;
import org.descent.util.Json;
import org.descent.util.ReproducibleZip;
import org.descent.util.RunDirectory;

/**
 * Frozen evaluation sets: {@code datasets/<name>/prompts.npz} with arrays {@code tokens [B, N+1, D]} and
 * {@code targets [B]} (float32, {@code numpy.load} opens it) and a {@code manifest.json} with the task, seed and
 * checksum.
 */
public final class EvaluationDatasets {
    static final String DATA = "prompts.npz";

    private EvaluationDatasets() {}

    /** Manifest of a frozen set. */
    public record DatasetManifest(String format, String name, TaskConfig task, int count, long seed, String sha256,
            Map<String, Object> provenance) {}

    /** A frozen set read back. */
    public record Dataset(DatasetManifest manifest, PromptSet prompts) {}

    /**
     * Checks a dataset name: letters, digits, '.', '_' and '-', starting with a letter or digit (so never
     * {@code .} or {@code ..}, nor a hidden name that could clash with staging folders).
     */
    public static void requireValidName(String name) {
        if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
            throw new IllegalArgumentException("invalid dataset name \"" + name + "\": use letters, digits, '.', '_' "
                    + "and '-', starting with a letter or digit");
        }
    }

    /** Bytes the npz of {@code count} prompts of {@code task} takes (float32 tokens and targets, plus headers). */
    public static long estimateBytes(TaskConfig task, long count) {
        return 4L * count * ((long) task.tokens() * task.tokenDim() + 1) + 64 * 1024;
    }

    /** Writes {@code prompts} as {@code <root>/<name>/}; refuses to overwrite an existing set. */
    public static Path write(Path root, String name, TaskConfig task, long seed, PromptSet prompts,
            Map<String, Object> provenance, NDManager manager) {
        requireValidName(name);
        Path target = root.resolve(name);
        if (Files.exists(target)) {
            throw new IllegalArgumentException(target + " already exists; datasets are never overwritten");
        }
        RunDirectory staging = RunDirectory.named(root, name);
        try (NDManager scope = manager.newSubManager()) {
            NDArray tokens = prompts.tokensArray(scope, DataType.FLOAT32);
            tokens.setName("tokens");
            NDArray targets = prompts.targetsArray(scope, DataType.FLOAT32);
            targets.setName("targets");
            NDList list = new NDList(tokens, targets);
            AtomicFiles.write(staging.file(DATA), out -> ReproducibleZip.writeNpz(list, out));
            DatasetManifest manifest = new DatasetManifest("descent-prompts/1", name, task, prompts.size(), seed,
                    AtomicFiles.sha256(staging.file(DATA)), provenance);
            AtomicFiles.writeString(staging.file("manifest.json"), Json.write(manifest));
            return staging.publish();
        } finally {
            staging.discard();
        }
    }

    /** Reads a frozen set, checking its checksum and that its shape matches its task. */
    public static Dataset read(Path dir, NDManager manager) {
        DatasetManifest manifest = Json.read(dir.resolve("manifest.json"), DatasetManifest.class);
        Path data = dir.resolve(DATA);
        if (!Files.isRegularFile(data)) {
            throw new IllegalArgumentException(dir + ": no " + DATA);
        }
        if (manifest.sha256() == null) {
            throw new IllegalArgumentException(dir.resolve("manifest.json") + ": no sha256 checksum, so " + DATA
                    + " cannot be verified; descent refuses unverifiable datasets (was the manifest edited?)");
        }
        if (manifest.task() == null) {
            throw new IllegalArgumentException(dir.resolve("manifest.json") + ": required key \"task\" is missing");
        }
        if (!manifest.sha256().equals(AtomicFiles.sha256(data))) {
            throw new IllegalArgumentException(data + " is corrupt: its sha256 does not match the manifest");
        }
        try (NDManager scope = manager.newSubManager();
                InputStream in = new BufferedInputStream(Files.newInputStream(data))) {
            NDList list = NDList.decode(scope, in);
            Map<String, NDArray> byName = new LinkedHashMap<>();
            list.forEach(a -> byName.put(a.getName(), a));
            NDArray tokens = byName.get("tokens");
            NDArray targets = byName.get("targets");
            if (tokens == null || targets == null) {
                throw new IllegalArgumentException(data + ": expected arrays \"tokens\" and \"targets\", found "
                        + byName.keySet());
            }
            PromptSet prompts = PromptSet.of(tokens, targets);
            TaskConfig t = manifest.task();
            if (prompts.d() != t.d() || prompts.n() != t.n()) {
                throw new IllegalArgumentException(data + ": tokens are for d=" + prompts.d() + ", N=" + prompts.n()
                        + " but the manifest's task has d=" + t.d() + ", N=" + t.n());
            }
            return new Dataset(manifest, prompts);
        } catch (IOException e) {
            throw new IllegalArgumentException(data + ": not a readable npz: " + e.getMessage(), e);
        }
    }
}
