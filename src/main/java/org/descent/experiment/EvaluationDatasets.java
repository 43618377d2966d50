package org.descent.experiment;

import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.descent.task.PromptSet;
import org.descent.task.TaskConfig;
import org.descent.task.TaskSampler;
import org.descent.task.TaskSamplers;
import org.descent.task.TaskTruth;
import org.descent.util.AtomicFiles;
import org.descent.util.Json;
import org.descent.util.Npz;
import org.descent.util.RunDirectory;
import org.descent.util.Schema;

/**
 * Frozen evaluation sets: {@code datasets/<name>/prompts.npz} ({@code numpy.load} opens it) with arrays
 * {@code tokens [B, N+1, D]} and {@code targets [B]} (float32, the README's token contract) and the ground truth of
 * every prompt, the task function it was labelled with ({@link TaskTruth}: {@code w [B, d]} for linear families,
 * {@code u}, {@code alpha} for ReLU networks, {@code tree_features}, {@code tree_leaves} for decision trees), and a
 * {@code manifest.json} with the run fields of every manifest (README, "Output schema"), the task, seed and checksum.
 */
public final class EvaluationDatasets {
    static final String DATA = "prompts.npz";
    /** The current format; {@code descent-prompts/1} (no schema fields, no ground truth) is still read. */
    public static final String FORMAT = "descent-prompts/2";
    static final String FORMAT_1 = "descent-prompts/1";

    private EvaluationDatasets() {}

    /**
     * Manifest of a frozen set.
     *
     * @param seed the seed the prompts were drawn with ({@code Seeds.derive(train.seed, TEST, 1)} by {@code descent
     *     dataset})
     * @param truth names of the ground-truth arrays in prompts.npz (null in format 1)
     * @param schemaVersion, kind, runId, command, config the fields of every run manifest (null in format 1); config
     *     is the experiment config that re-draws the set ({@code descent dataset --config manifest.json})
     */
    @com.fasterxml.jackson.annotation.JsonPropertyOrder({"schema_version", "format", "kind", "run_id", "command",
        "name", "config", "task", "count", "seed", "truth", "sha256", "provenance"})
    public record DatasetManifest(String format, String name, TaskConfig task, int count, long seed, String sha256,
            Map<String, Object> provenance,
            @com.fasterxml.jackson.annotation.JsonProperty("schema_version") Integer schemaVersion, String kind,
            @com.fasterxml.jackson.annotation.JsonProperty("run_id") String runId, List<String> command,
            ExperimentConfig config, List<String> truth) {}

    /**
     * A frozen set read back.
     *
     * @param truth the ground-truth arrays by name (empty for format 1)
     */
    public record Dataset(DatasetManifest manifest, PromptSet prompts, Map<String, Npz.Array> truth) {}

    /**
     * Draws {@code count} prompts of {@code task} exactly as {@link TaskSampler#samplePromptSet} does, with the task
     * parameters of each prompt.
     */
    public static TaskTruth.Recorded<PromptSet> draw(TaskConfig task, int count, long seed, NDManager manager) {
        TaskSampler sampler = TaskSamplers.forTask(task);
        return TaskTruth.record(() -> sampler.samplePromptSet(manager, count, seed));
    }

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

    /**
     * Bytes the npz of {@code count} prompts of {@code task} takes (float32 tokens, targets and ground truth, plus
     * headers).
     */
    public static long estimateBytes(TaskConfig task, long count) {
        long truth = switch (task.family()) {
            case TaskConfig.FAMILY_RELU_NETWORK -> (long) task.hiddenWidth() * (task.d() + 1);
            case TaskConfig.FAMILY_DECISION_TREE -> 2L << task.treeDepth();
            default -> task.d();
        };
        return 4L * count * ((long) task.tokens() * task.tokenDim() + 1 + truth) + 64 * 1024;
    }

    /**
     * Writes {@code prompts} as {@code <root>/<name>/} without ground truth, for a set drawn from Java code (use
     * {@link #write(Path, String, ExperimentConfig, long, TaskTruth.Recorded, Map, List)} to keep the truth).
     */
    public static Path write(Path root, String name, TaskConfig task, long seed, PromptSet prompts,
            Map<String, Object> provenance, NDManager manager) {
        ExperimentConfig cfg = new ExperimentConfig(task, null, null, null);
        return write(root, name, cfg, seed, new TaskTruth.Recorded<>(prompts, Map.of()), provenance, null);
    }

    /**
     * Writes the prompts of {@code drawn} with their ground truth as {@code <root>/<name>/}; refuses to overwrite an
     * existing set.
     *
     * @param config the experiment config the set was drawn for (its task; recorded so that the manifest re-draws it)
     * @param seed the seed the prompts were drawn with
     * @param command the command line, or null when called from Java code
     */
    public static Path write(Path root, String name, ExperimentConfig config, long seed,
            TaskTruth.Recorded<PromptSet> drawn, Map<String, Object> provenance, List<String> command) {
        requireValidName(name);
        Path target = root.resolve(name);
        if (Files.exists(target)) {
            throw new IllegalArgumentException(target + " already exists; datasets are never overwritten");
        }
        PromptSet prompts = drawn.value();
        TaskConfig task = config.task();
        RunDirectory staging = RunDirectory.named(root, name);
        try {
            Npz npz = new Npz();
            npz.put("tokens", Npz.Array.of(floats(prompts.flatTokens()), prompts.size(), task.tokens(),
                    task.tokenDim()));
            npz.put("targets", Npz.Array.of(floats(prompts.targets()), prompts.size()));
            drawn.parameters().forEach((k, a) -> {
                if (a.shape()[0] != prompts.size()) {
                    throw new IllegalStateException("dataset: " + a.shape()[0] + " rows of " + k + " for "
                            + prompts.size() + " prompts");
                }
                npz.put(k, a);
            });
            npz.write(staging.file(DATA));
            DatasetManifest manifest = new DatasetManifest(FORMAT, name, task, prompts.size(), seed,
                    AtomicFiles.sha256(staging.file(DATA)), provenance, Schema.VERSION, "dataset",
                    RunDirectory.newRunId("dataset"), command, config, List.copyOf(drawn.parameters().keySet()));
            AtomicFiles.writeString(staging.file("manifest.json"), Json.write(manifest));
            return staging.publish();
        } finally {
            staging.discard();
        }
    }

    /** The values as float32: the prompts are drawn in float32, so this is exact for sampled prompts. */
    private static float[] floats(double[] v) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) v[i];
        }
        return out;
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
        if (!FORMAT.equals(manifest.format()) && !FORMAT_1.equals(manifest.format())) {
            throw new IllegalArgumentException(dir.resolve("manifest.json") + ": unsupported dataset format \""
                    + manifest.format() + "\" (this descent reads " + FORMAT + " and " + FORMAT_1 + ")");
        }
        if (!manifest.sha256().equals(AtomicFiles.sha256(data))) {
            throw new IllegalArgumentException(data + " is corrupt: its sha256 does not match the manifest");
        }
        Map<String, Npz.Array> arrays = new LinkedHashMap<>(Npz.read(data));
        Npz.Array tokens = arrays.remove("tokens");
        Npz.Array targets = arrays.remove("targets");
        if (tokens == null || targets == null) {
            throw new IllegalArgumentException(data + ": expected arrays \"tokens\" and \"targets\", found "
                    + arrays.keySet());
        }
        long[] shape = tokens.shape();
        if (shape.length != 3 || shape[1] < 2 || shape[2] < 2 || targets.shape().length != 1
                || targets.shape()[0] != shape[0]) {
            throw new IllegalArgumentException(data + ": tokens must be [B, N+1, D] and targets [B], got "
                    + java.util.Arrays.toString(shape) + " and " + java.util.Arrays.toString(targets.shape()));
        }
        PromptSet prompts = new PromptSet((int) shape[2] - 1, (int) shape[1] - 1, tokens.asDoubles(),
                targets.asDoubles());
        TaskConfig t = manifest.task();
        if (prompts.d() != t.d() || prompts.n() != t.n()) {
            throw new IllegalArgumentException(data + ": tokens are for d=" + prompts.d() + ", N=" + prompts.n()
                    + " but the manifest's task has d=" + t.d() + ", N=" + t.n());
        }
        return new Dataset(manifest, prompts, arrays);
    }
}
