package org.descent.foreign;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.descent.model.gpt2.Gpt2Config;
import org.descent.model.gpt2.Gpt2Parameters;
import org.descent.model.gpt2.Gpt2Regressor;
import org.descent.model.gpt2.Gpt2Weights;
import org.descent.probe.ModelUnderTest;
import org.descent.task.TaskConfig;
import org.descent.task.layout.PromptLayout;
import org.descent.util.AtomicFiles;
import org.descent.util.Json;
import org.descent.util.Safetensors;

/**
 * A published GPT-2 in-context regressor (Garg et al. 2022's {@code TransformerModel}) in a format read without pickle:
 * a folder holding
 * <ul>
 *   <li>{@value #WEIGHTS_FILE}: the parameters under their canonical names ({@link Gpt2Parameters}, the keys of
 *       Garg's {@code model_state_dict}), any of F32/F64/F16/BF16; the buffers {@code _backbone.h.<l>.attn.bias},
 *       {@code .attn.masked_bias} and the unused token embedding {@code _backbone.wte.weight} are ignored with a note;
 *       a {@code module.} prefix (DataParallel) and Hugging Face's bare backbone names ({@code transformer.h.0.…},
 *       {@code h.0.…}, {@code wpe.weight}, {@code ln_f.…}) are mapped onto {@code _backbone.…} when no two keys
 *       collide;</li>
 *   <li>{@value #CONFIG_FILE}: {@code {"arch": "gpt2", "layers": L, "heads": H, "width": E, "positions": P,
 *       "inputWidth": W, "layerNormEps": 1e-5, "layout": "interleaved"}} ({@code layerNormEps} optional,
 *       {@code source} an optional free-form object of provenance; any other key is an error);</li>
 *   <li>the task sidecar {@code model.safetensors.task.json} ({@link TaskSidecar}), whose {@code layout}, when given,
 *       must equal the config's.</li>
 * </ul>
 * A {@code .safetensors} file may be given instead of the folder; its config is {@code <stem>.config.json} or
 * {@code config.json} beside it. {@code scripts/convert_garg_checkpoint.py} writes such a folder from Garg's
 * {@code state.pt} and {@code config.yaml}.
 *
 * <p>Everything is checked before any work: missing keys (the first few named), unexpected keys, shapes (key,
 * expected, got), non-finite values, the layout's token width {@code W = layout.width(d)} against the read-in, and
 * its sequence length {@code T = layout.length(N)} against the learned positions {@code P}. Each problem is an
 * {@link IllegalArgumentException} with a one-line message naming the file.
 *
 * <p>Dimension glossary: {@code d} input dimension, {@code N} context pairs, {@code W} token width, {@code T} tokens,
 * {@code E} model width, {@code H} heads, {@code L} blocks, {@code P} learned positions.
 *
 * @param weightsFile the {@code .safetensors} file
 * @param configFile its {@code config.json}
 * @param weights the validated parameters (float32, canonical names)
 * @param layout the prompt layout the model reads
 * @param task the task it was trained on
 * @param taskSource where the task came from (the sidecar's path, or {@code --task FILE})
 * @param ignored keys of the file that are not parameters (buffers, the token embedding), in file order
 * @param renamed original key → canonical name, for the keys that were mapped
 * @param source the config's {@code source} object (provenance), empty when absent
 */
public record Gpt2Checkpoint(Path weightsFile, Path configFile, Gpt2Weights weights, PromptLayout layout,
        TaskConfig task, String taskSource, List<String> ignored, Map<String, String> renamed,
        Map<String, Object> source) {
    /** The parameter file inside a checkpoint folder. */
    public static final String WEIGHTS_FILE = "model.safetensors";
    /** The architecture file inside a checkpoint folder. */
    public static final String CONFIG_FILE = "config.json";
    /** The value of {@code "architecture"}. */
    public static final String ARCHITECTURE = "gpt2";
    /** Keys of {@value #CONFIG_FILE}: required, then optional. */
    static final List<String> CONFIG_REQUIRED = List.of("layers", "heads", "width", "positions", "inputWidth",
            "layout");
    static final List<String> CONFIG_OPTIONAL = List.of("arch", "architecture", "layerNormEps", "source");
    /** How many names a missing/unexpected-key message lists. */
    private static final int LIST_FIRST = 4;
    /** Keys that are state but not parameters: the causal-mask buffers and the unused token embedding. */
    private static final Pattern IGNORED = Pattern.compile(
            "^_backbone\\.(h\\.\\d+\\.attn\\.(bias|masked_bias)|wte\\.weight)$");
    private static final List<String> BACKBONE_ROOTS = List.of("h.", "wpe.", "wte.", "ln_f.");
    /** The hint every refusal of a pickled checkpoint carries. */
    public static final String CONVERT_HINT = "for a Garg et al. run folder (state.pt + config.yaml) run python3"
            + " scripts/convert_garg_checkpoint.py RUN_DIR OUT_DIR once, then ./descent probe OUT_DIR";

    /**
     * The converter command for a pickled file: with its folder filled in when {@code config.yaml} lies beside it
     * (a Garg run folder), else {@link #CONVERT_HINT}.
     */
    public static String convertHint(Path pickled) {
        Path dir = pickled.toAbsolutePath().getParent();
        if (dir != null && Files.isRegularFile(dir.resolve("config.yaml"))) {
            Path shown = pickled.getParent() == null ? Path.of(".") : pickled.getParent();
            return "this looks like a Garg et al. run folder: run python3 scripts/convert_garg_checkpoint.py " + shown
                    + " OUT_DIR once, then ./descent probe OUT_DIR";
        }
        return CONVERT_HINT;
    }

    public Gpt2Checkpoint {
        if (weights == null || layout == null || task == null) {
            throw new IllegalArgumentException("gpt2 checkpoint: weights, layout and task are required");
        }
        checkFits(weightsFile, weights.config(), layout, task);
        ignored = List.copyOf(ignored);
        renamed = Collections.unmodifiableMap(new LinkedHashMap<>(renamed));
        source = Collections.unmodifiableMap(new LinkedHashMap<>(source));
    }

    /** Whether {@code path} is meant as a GPT-2 safetensors checkpoint: a {@code .safetensors} file or a folder with one. */
    public static boolean recognises(Path path) {
        if (Files.isDirectory(path)) {
            return Files.exists(path.resolve(WEIGHTS_FILE));
        }
        return path.getFileName() != null && path.getFileName().toString().endsWith(".safetensors");
    }

    /**
     * Reads and validates a checkpoint.
     *
     * @param path the folder or the {@code .safetensors} file
     * @param taskOverride the task from {@code --task FILE} (null: the sidecar's); a layout it states must agree too
     * @param taskOverrideSource how to name the override in messages and details (e.g. its path)
     */
    public static Gpt2Checkpoint read(Path path, TaskSidecar.Declaration taskOverride, String taskOverrideSource) {
        Path weightsFile = Files.isDirectory(path) ? path.resolve(WEIGHTS_FILE) : path;
        if (!Files.isRegularFile(weightsFile)) {
            throw new IllegalArgumentException(weightsFile + ": no such file (a GPT-2 checkpoint folder holds "
                    + WEIGHTS_FILE + ", " + CONFIG_FILE + " and " + WEIGHTS_FILE + TaskSidecar.SUFFIX + ")");
        }
        Path configFile = configFor(weightsFile);
        Architecture arch = readConfig(configFile);

        TaskSidecar.Declaration declared;
        String taskSource;
        if (taskOverride != null) {
            declared = taskOverride;
            taskSource = taskOverrideSource;
        } else {
            Path sidecar = TaskSidecar.locate(weightsFile).orElseThrow(() -> new IllegalArgumentException(weightsFile
                    + ": no task sidecar; write " + TaskSidecar.primaryPath(weightsFile).getFileName() + " beside it,"
                    + " e.g. {\"d\": 20, \"n\": 40, \"inputs\": \"gaussian\", \"inputScale\": 1.0, \"noise\": 0.0,"
                    + " \"layout\": \"" + arch.layout().name() + "\"}, or give the task with --task FILE"));
            declared = TaskSidecar.declaration(sidecar);
            taskSource = sidecar.toString();
        }
        if (declared.layoutStated() && !declared.layout().name().equals(arch.layout().name())) {
            throw new IllegalArgumentException(taskSource + ": declares layout '" + declared.layout().name()
                    + "' but " + configFile + " says '" + arch.layout().name() + "'; they must agree");
        }

        Safetensors.Contents contents = Safetensors.read(weightsFile);
        Map<String, Shape> expected = Gpt2Parameters.shapes(arch.config());
        Map<String, String> renamed = new LinkedHashMap<>();
        Map<String, Safetensors.Tensor> byName = new LinkedHashMap<>();
        List<String> ignored = new ArrayList<>();
        List<String> unexpected = new ArrayList<>();
        Map<String, String> origin = new LinkedHashMap<>();
        for (Map.Entry<String, Safetensors.Tensor> e : contents.tensors().entrySet()) {
            String key = e.getKey();
            String name = canonicalName(key);
            String before = origin.putIfAbsent(name, key);
            if (before != null) {
                throw new IllegalArgumentException(weightsFile + ": keys '" + before + "' and '" + key
                        + "' both name parameter '" + name + "'");
            }
            if (IGNORED.matcher(name).matches()) {
                ignored.add(key);
                continue;
            }
            if (!expected.containsKey(name)) {
                unexpected.add(key);
                continue;
            }
            if (!name.equals(key)) {
                renamed.put(key, name);
            }
            byName.put(name, e.getValue());
        }
        if (!unexpected.isEmpty()) {
            throw new IllegalArgumentException(weightsFile + ": " + unexpected.size() + " unexpected key"
                    + (unexpected.size() == 1 ? "" : "s") + " for a " + arch.config().layers() + "-layer GPT-2 ("
                    + configFile.getFileName() + "), e.g. " + first(unexpected));
        }
        List<String> missing = new ArrayList<>();
        for (String name : expected.keySet()) {
            if (!byName.containsKey(name)) {
                missing.add(name);
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException(weightsFile + ": " + missing.size() + " parameter"
                    + (missing.size() == 1 ? "" : "s") + " missing for the architecture of " + configFile.getFileName()
                    + ", e.g. " + first(missing));
        }
        Map<String, float[]> values = new LinkedHashMap<>();
        for (Map.Entry<String, Shape> e : expected.entrySet()) {
            Safetensors.Tensor t = byName.get(e.getKey());
            long[] want = e.getValue().getShape();
            if (!Arrays.equals(t.shape(), want)) {
                throw new IllegalArgumentException(weightsFile + ": '" + e.getKey() + "' has shape "
                        + Arrays.toString(t.shape()) + ", expected " + Arrays.toString(want) + " (from "
                        + configFile.getFileName() + ")");
            }
            for (float v : t.values()) {
                if (!Float.isFinite(v)) {
                    throw new IllegalArgumentException(weightsFile + ": '" + e.getKey()
                            + "' holds NaN or infinite values");
                }
            }
            values.put(e.getKey(), t.values());
        }
        return new Gpt2Checkpoint(weightsFile, configFile, new Gpt2Weights(arch.config(), values), arch.layout(),
                declared.task(), taskSource, ignored, renamed, arch.source());
    }

    /** The checkpoint as a float64 {@link Gpt2Regressor} on the device of {@code manager}. */
    public Gpt2Regressor regressor(NDManager manager) {
        Gpt2Config c = weights.config();
        return new Gpt2Regressor("GPT-2 " + c.layers() + "L" + c.heads() + "H" + c.width() + "E ("
                + weightsFile.getFileName() + ")", weights, layout, manager);
    }

    /** Where the model came from, for manifests: the weights file, its SHA-256, architecture, layout and keys. */
    public ModelUnderTest.Origin origin() {
        Gpt2Config c = weights.config();
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("config", configFile.toString());
        details.put("architecture", Map.of("layers", c.layers(), "heads", c.heads(), "width", c.width(),
                "positions", c.positions(), "input_width", c.inputWidth(), "layer_norm_eps", c.layerNormEps()));
        details.put("layout", layout.name());
        details.put("parameters", weights.size());
        details.put("task_source", taskSource);
        details.put("ignored_keys", ignored);
        details.put("renamed_keys", renamed.size());
        if (!source.isEmpty()) {
            details.put("source", source);
        }
        return new ModelUnderTest.Origin("safetensors", weightsFile.toString(), AtomicFiles.sha256(weightsFile),
                details);
    }

    /** One line for standard error about the keys that were not parameters, or empty. */
    public String note() {
        if (ignored.isEmpty() && renamed.isEmpty()) {
            return "";
        }
        StringBuilder s = new StringBuilder("note: " + weightsFile + ":");
        if (!ignored.isEmpty()) {
            s.append(" ignored ").append(ignored.size()).append(ignored.size() == 1 ? " key that is not a parameter"
                    : " keys that are not parameters").append(" (causal-mask buffers, unused token embedding), e.g. ")
                    .append(first(ignored));
        }
        if (!renamed.isEmpty()) {
            s.append(ignored.isEmpty() ? "" : ";").append(" mapped ").append(renamed.size())
                    .append(" Hugging Face key").append(renamed.size() == 1 ? "" : "s").append(" onto Garg's names, e.g. ")
                    .append(renamed.entrySet().iterator().next().getKey()).append(" -> ")
                    .append(renamed.values().iterator().next());
        }
        return s.toString();
    }

    /** The canonical name of a stored key: {@code module.} stripped, bare Hugging Face backbone names prefixed. */
    static String canonicalName(String key) {
        String k = key.startsWith("module.") ? key.substring("module.".length()) : key;
        if (k.startsWith("transformer.")) {
            k = k.substring("transformer.".length());
        }
        for (String root : BACKBONE_ROOTS) {
            if (k.startsWith(root)) {
                return "_backbone." + k;
            }
        }
        return k;
    }

    /** The config beside a weights file: {@code <stem>.config.json}, else {@code config.json}. */
    static Path configFor(Path weightsFile) {
        String name = weightsFile.getFileName().toString();
        String stem = name.endsWith(".safetensors") ? name.substring(0, name.length() - ".safetensors".length())
                : name;
        Path own = weightsFile.resolveSibling(stem + "." + CONFIG_FILE);
        return Files.isRegularFile(own) ? own : weightsFile.resolveSibling(CONFIG_FILE);
    }

    /** The contents of {@value #CONFIG_FILE}. */
    record Architecture(Gpt2Config config, PromptLayout layout, Map<String, Object> source) {}

    @SuppressWarnings("unchecked")
    static Architecture readConfig(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + ": no such file; a GPT-2 checkpoint needs its architecture, e.g."
                    + " {\"arch\": \"gpt2\", \"layers\": 12, \"heads\": 8, \"width\": 256, \"positions\": 202,"
                    + " \"inputWidth\": 20, \"layout\": \"interleaved\"}");
        }
        JsonNode tree;
        try {
            tree = Json.mapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": " + Json.describe(e), e);
        }
        if (tree == null || !tree.isObject()) {
            throw new IllegalArgumentException(file + ": must be a JSON object with keys " + CONFIG_REQUIRED);
        }
        Set<String> known = new java.util.HashSet<>(CONFIG_REQUIRED);
        known.addAll(CONFIG_OPTIONAL);
        for (Iterator<String> it = tree.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!known.contains(key)) {
                throw new IllegalArgumentException(file + ": unknown key \"" + key + "\" (known: " + CONFIG_REQUIRED
                        + " and optional " + CONFIG_OPTIONAL + ")");
            }
        }
        for (String key : CONFIG_REQUIRED) {
            if (!tree.hasNonNull(key)) {
                throw new IllegalArgumentException(file + ": missing required key \"" + key + "\" (required: "
                        + CONFIG_REQUIRED + ")");
            }
        }
        for (String key : List.of("arch", "architecture")) { // "architecture": the same, as older files spell it
            if (tree.has(key) && !ARCHITECTURE.equals(tree.get(key).asText())) {
                throw new IllegalArgumentException(file + ": " + key + " " + tree.get(key) + " is not supported;"
                        + " descent reads \"" + ARCHITECTURE + "\" (Garg et al.'s TransformerModel)");
            }
        }
        double eps = Gpt2Config.LAYER_NORM_EPS;
        if (tree.has("layerNormEps")) {
            JsonNode v = tree.get("layerNormEps");
            if (!v.isNumber()) {
                throw new IllegalArgumentException(file + ": \"layerNormEps\" must be a number, got " + v);
            }
            eps = v.asDouble();
        }
        JsonNode layoutNode = tree.get("layout");
        if (!layoutNode.isTextual()) {
            throw new IllegalArgumentException(file + ": \"layout\" must be a string, one of " + PromptLayout.names());
        }
        PromptLayout layout;
        Gpt2Config config;
        try {
            layout = PromptLayout.named(layoutNode.asText());
            config = new Gpt2Config(intKey(file, tree, "layers"), intKey(file, tree, "heads"),
                    intKey(file, tree, "width"), intKey(file, tree, "positions"), intKey(file, tree, "inputWidth"), eps);
        } catch (IllegalArgumentException e) {
            throw e.getMessage().startsWith(file.toString()) ? e : new IllegalArgumentException(file + ": "
                    + e.getMessage(), e);
        }
        Map<String, Object> source = Map.of();
        if (tree.has("source") && !tree.get("source").isNull()) {
            if (!tree.get("source").isObject()) {
                throw new IllegalArgumentException(file + ": \"source\" must be an object (provenance)");
            }
            source = Json.mapper().convertValue(tree.get("source"), Map.class);
        }
        return new Architecture(config, layout, source);
    }

    private static int intKey(Path file, JsonNode tree, String key) {
        JsonNode v = tree.get(key);
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new IllegalArgumentException(file + ": \"" + key + "\" must be an integer, got " + v);
        }
        return v.asInt();
    }

    /** The layout's token width and length against the model's read-in and positions. */
    private static void checkFits(Path file, Gpt2Config c, PromptLayout layout, TaskConfig task) {
        int width = layout.width(task.d());
        if (width != c.inputWidth()) {
            throw new IllegalArgumentException(file + ": the task's d=" + task.d() + " in the " + layout.name()
                    + " layout makes tokens of width " + width + " but the model reads width " + c.inputWidth()
                    + " (inputWidth); check the sidecar's d and layout");
        }
        int length = layout.length(task.n());
        if (length > c.positions()) {
            int most = 0;
            while (layout.length(most + 1) <= c.positions()) {
                most++;
            }
            throw new IllegalArgumentException(file + ": the task's n=" + task.n() + " context pairs make " + length
                    + " tokens in the " + layout.name() + " layout, more than the model's " + c.positions()
                    + " positions (at most n=" + most + ")");
        }
    }

    private static String first(List<String> names) {
        List<String> head = names.subList(0, Math.min(LIST_FIRST, names.size()));
        return String.join(", ", head) + (names.size() > LIST_FIRST ? ", ..." : "");
    }
}
