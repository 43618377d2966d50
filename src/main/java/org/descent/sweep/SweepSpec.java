package org.descent.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.descent.experiment.ExperimentConfig;
import org.descent.util.Json;

/**
 * A sweep: one command (verify, compare, reproduce, probe) with a base config and fixed options, and axes over
 * config keys ({@code task.d}) or command options ({@code --steps}), optionally zipped, times a number of seeds
 * (README "Sweeps"). {@link #cells} expands it, innermost the seed, then the axes from last to first.
 *
 * <pre>{@code
 * {"name": "verify-d-n", "command": "verify", "args": ["--test-prompts", "2000"],
 *  "base": {"train": {"steps": 300}},
 *  "axes": {"task.d": [5, 10], "task.n": {"from": 10, "to": 40, "step": 10}},
 *  "zip": [{"model.layers": [1, 2], "train.lr": [0.001, 0.0005]}],
 *  "seeds": 3,
 *  "report": {"x": "task.n", "lines": "task.d", "metrics": ["mse.relative_gap"]}}
 * }</pre>
 *
 * <p>Every problem (unknown keys, empty axes or ranges, zipped lists of different lengths, options the sweep manages
 * itself) is an {@link IllegalArgumentException} naming the key, raised before anything runs.
 */
public record SweepSpec(String name, String command, List<String> args, ObjectNode base, List<Axis> axes, int seeds,
        ReportSpec report) {

    /** Commands a sweep can run. */
    public static final List<String> COMMANDS = List.of("verify", "compare", "reproduce", "probe");
    /** Commands that take an experiment config ({@code --config}), so config-key axes apply. */
    public static final Set<String> CONFIG_COMMANDS = Set.of("verify");
    /** Options the sweep sets itself for every cell; a spec may not give them. */
    public static final Set<String> MANAGED = Set.of("--config", "--models-dir", "--reports-dir", "-q", "--quiet",
            "--seeds", "--no-cache", "--help", "-h", "--version", "-V");
    /** A derived key: the condition number κ of an anisotropic Gaussian Σ (eigenvalues geometric from 1 to 1/κ). */
    public static final String CONDITION_NUMBER = "task.covariance.conditionNumber";
    private static final Set<String> TOP_KEYS = Set.of("name", "description", "command", "args", "base", "axes", "zip",
            "seeds", "report");

    /**
     * One axis: a single key, or several zipped keys whose values advance together.
     *
     * @param keys the config keys ({@code task.d}) or options ({@code --steps})
     * @param values one tuple per position, {@code values.get(i).size() == keys.size()}
     */
    public record Axis(List<String> keys, List<List<JsonNode>> values) {}

    /** What the report plots: metric vs {@code x}, one line per value of {@code lines}; null for the defaults. */
    public record ReportSpec(String x, String lines, List<String> metrics) {}

    /** Reads and checks a spec file. */
    public static SweepSpec load(Path file) {
        JsonNode root;
        try {
            root = Json.mapper().readTree(bytes(file));
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": " + Json.describe(e), e);
        }
        String fallback = file.getFileName().toString().replaceFirst("^" + EXAMPLE, "").replaceFirst("\\.json$", "");
        try {
            return parse(root, fallback);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /** Prefix of the example specs shipped with descent: {@code example:verify-d-n}. */
    public static final String EXAMPLE = "example:";

    /** The bytes of a spec file, or of a shipped example ({@code example:NAME}). */
    public static byte[] bytes(Path file) {
        String s = file.toString();
        if (s.startsWith(EXAMPLE)) {
            String name = s.substring(EXAMPLE.length());
            try (var in = SweepSpec.class.getResourceAsStream("examples/" + name + ".json")) {
                if (in == null || !name.matches("[A-Za-z0-9._-]+")) {
                    throw new IllegalArgumentException(s + ": no such example (examples: " + EXAMPLES + ")");
                }
                return in.readAllBytes();
            } catch (IOException e) {
                throw new IllegalArgumentException(s + ": " + e.getMessage(), e);
            }
        }
        Json.requireFile(file, "sweep spec");
        try {
            return java.nio.file.Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /** The shipped example specs (src/main/resources/org/descent/sweep/examples). */
    public static final List<String> EXAMPLES = List.of("verify-d-n", "verify-d-n-fast");

    /** Parses a spec object ({@code fallbackName} when it has no {@code name}). */
    public static SweepSpec parse(JsonNode root, String fallbackName) {
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("a sweep spec must be a JSON object");
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!TOP_KEYS.contains(k)) {
                throw new IllegalArgumentException("unknown key \"" + k + "\" (known: " + new java.util.TreeSet<>(TOP_KEYS)
                        + ")");
            }
        }
        String name = text(root, "name", fallbackName);
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
            throw new IllegalArgumentException("\"name\" must be letters, digits, '.', '_' or '-', got \"" + name + "\"");
        }
        String command = text(root, "command", "verify");
        if (!COMMANDS.contains(command)) {
            throw new IllegalArgumentException("\"command\": a sweep runs one of " + COMMANDS + ", got \"" + command
                    + "\"");
        }
        List<String> args = new ArrayList<>();
        JsonNode a = root.get("args");
        if (a != null) {
            if (!a.isArray()) {
                throw new IllegalArgumentException("\"args\" must be an array of strings");
            }
            for (JsonNode v : a) {
                if (!v.isTextual()) {
                    throw new IllegalArgumentException("\"args\" must be an array of strings, got " + v);
                }
                checkNotManaged(v.asText(), "args");
                args.add(v.asText());
            }
        }
        ObjectNode base = JsonNodeFactory.instance.objectNode();
        JsonNode b = root.get("base");
        if (b != null) {
            if (!b.isObject()) {
                throw new IllegalArgumentException("\"base\" must be a config object {task, model, train, eval}");
            }
            if (!CONFIG_COMMANDS.contains(command)) {
                throw new IllegalArgumentException("\"base\": " + command + " takes no experiment config; give its "
                        + "options in \"args\"");
            }
            base = (ObjectNode) b;
        }
        List<Axis> axes = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        JsonNode ax = root.get("axes");
        if (ax != null) {
            if (!ax.isObject()) {
                throw new IllegalArgumentException("\"axes\" must be an object {key: [values] or {from, to, step}}");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = ax.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                checkKey(e.getKey(), command, seen, "axes");
                List<JsonNode> values = values(e.getValue(), "axes." + e.getKey());
                List<List<JsonNode>> tuples = new ArrayList<>();
                values.forEach(v -> tuples.add(List.of(v)));
                axes.add(new Axis(List.of(e.getKey()), tuples));
            }
        }
        JsonNode zip = root.get("zip");
        if (zip != null) {
            if (!zip.isArray()) {
                throw new IllegalArgumentException("\"zip\" must be an array of objects {key: [values], ...}");
            }
            int g = 0;
            for (JsonNode group : zip) {
                String where = "zip[" + g++ + "]";
                if (!group.isObject() || group.isEmpty()) {
                    throw new IllegalArgumentException(where + " must be a non-empty object {key: [values], ...}");
                }
                List<String> keys = new ArrayList<>();
                List<List<JsonNode>> columns = new ArrayList<>();
                for (Iterator<Map.Entry<String, JsonNode>> it = group.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    checkKey(e.getKey(), command, seen, where);
                    keys.add(e.getKey());
                    columns.add(values(e.getValue(), where + "." + e.getKey()));
                }
                int n = columns.get(0).size();
                for (int i = 1; i < columns.size(); i++) {
                    if (columns.get(i).size() != n) {
                        throw new IllegalArgumentException(where + ": zipped axes need lists of one length; \""
                                + keys.get(0) + "\" has " + n + " values, \"" + keys.get(i) + "\" has "
                                + columns.get(i).size());
                    }
                }
                List<List<JsonNode>> tuples = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    List<JsonNode> t = new ArrayList<>();
                    for (List<JsonNode> c : columns) {
                        t.add(c.get(i));
                    }
                    tuples.add(t);
                }
                axes.add(new Axis(keys, tuples));
            }
        }
        int seeds = 1;
        JsonNode s = root.get("seeds");
        if (s != null) {
            if (!s.isIntegralNumber() || s.asInt() < 1 || s.asInt() > 10_000) {
                throw new IllegalArgumentException("\"seeds\" must be a whole number from 1 to 10000, got " + s);
            }
            seeds = s.asInt();
        }
        if (seeds > 1 && (seen.contains("train.seed") || seen.contains(seedOption(command)))) {
            throw new IllegalArgumentException("\"seeds\": the seed is already an axis; use one or the other");
        }
        ReportSpec report = null;
        JsonNode r = root.get("report");
        if (r != null) {
            if (!r.isObject()) {
                throw new IllegalArgumentException("\"report\" must be an object {x, lines, metrics}");
            }
            for (Iterator<String> it = r.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!Set.of("x", "lines", "metrics").contains(k)) {
                    throw new IllegalArgumentException("report: unknown key \"" + k + "\" (known: [lines, metrics, x])");
                }
            }
            String x = r.has("x") ? r.get("x").asText() : null;
            String lines = r.has("lines") ? r.get("lines").asText() : null;
            for (String k : new String[] {x, lines}) {
                if (k != null && !seen.contains(k)) {
                    throw new IllegalArgumentException("report: \"" + k + "\" is not an axis (axes: " + seen + ")");
                }
            }
            List<String> metrics = new ArrayList<>();
            if (r.has("metrics")) {
                r.get("metrics").forEach(m -> metrics.add(m.asText()));
            }
            report = new ReportSpec(x, lines, metrics);
        }
        return new SweepSpec(name, command, List.copyOf(args), base, List.copyOf(axes), seeds, report);
    }

    /** The option that sets the seed of a command that takes no config: {@code --first-seed} or {@code --seed}. */
    public static String seedOption(String command) {
        return command.equals("reproduce") ? "--first-seed" : "--seed";
    }

    /** Every key on an axis, in order. */
    public List<String> axisKeys() {
        List<String> out = new ArrayList<>();
        axes.forEach(a -> out.addAll(a.keys()));
        return out;
    }

    /**
     * The cells: the product of the axes (first axis outermost), each repeated for {@link #seeds} seeds (innermost).
     * Seeds count from the base's {@code train.seed} (verify) or the seed option in {@code args} (default 0).
     */
    public List<Cell> cells() {
        List<Map<String, JsonNode>> points = new ArrayList<>();
        points.add(new LinkedHashMap<>());
        for (Axis axis : axes) {
            List<Map<String, JsonNode>> next = new ArrayList<>();
            for (Map<String, JsonNode> p : points) {
                for (List<JsonNode> tuple : axis.values()) {
                    Map<String, JsonNode> q = new LinkedHashMap<>(p);
                    for (int i = 0; i < tuple.size(); i++) {
                        q.put(axis.keys().get(i), tuple.get(i));
                    }
                    next.add(q);
                }
            }
            points = next;
        }
        long firstSeed = firstSeed();
        List<Cell> cells = new ArrayList<>();
        for (Map<String, JsonNode> p : points) {
            for (int s = 0; s < seeds; s++) {
                long seed = firstSeed + s;
                ObjectNode config = null;
                List<String> cellArgs = new ArrayList<>(args);
                if (CONFIG_COMMANDS.contains(command)) {
                    config = base.deepCopy();
                    if (seeds > 1) {
                        put(config, "train.seed", JsonNodeFactory.instance.numberNode(seed));
                    }
                } else if (seeds > 1) {
                    setOption(cellArgs, seedOption(command), Long.toString(seed));
                }
                for (Map.Entry<String, JsonNode> e : p.entrySet()) {
                    if (e.getKey().startsWith("-")) {
                        setOption(cellArgs, e.getKey(), e.getValue().isTextual() ? e.getValue().asText()
                                : e.getValue().toString());
                    } else if (!e.getKey().equals(CONDITION_NUMBER)) {
                        put(config, e.getKey(), e.getValue());
                    }
                }
                if (p.containsKey(CONDITION_NUMBER)) {
                    applyConditionNumber(config, p.get(CONDITION_NUMBER));
                }
                if (config != null) {
                    seed = config.path("train").path("seed").asLong(0);
                } else if (cellArgs.indexOf(seedOption(command)) >= 0
                        && cellArgs.indexOf(seedOption(command)) + 1 < cellArgs.size()) {
                    try {
                        seed = Long.parseLong(cellArgs.get(cellArgs.indexOf(seedOption(command)) + 1));
                    } catch (NumberFormatException e) {
                        // the command's own parsing names the problem during validation
                    }
                }
                cells.add(new Cell(cells.size(), p, seed, config, cellArgs));
            }
        }
        return cells;
    }

    private long firstSeed() {
        if (CONFIG_COMMANDS.contains(command)) {
            return base.path("train").path("seed").asLong(0);
        }
        int i = args.indexOf(seedOption(command));
        if (i >= 0 && i + 1 < args.size()) {
            try {
                return Long.parseLong(args.get(i + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("args: " + seedOption(command) + " needs a whole number, got \""
                        + args.get(i + 1) + "\"");
            }
        }
        return 0;
    }

    /** Checks every cell's config with the commands' own strict reading (unknown keys, types, ranges). */
    public void validateConfigs(List<Cell> cells) {
        for (Cell c : cells) {
            if (c.config() != null) {
                ExperimentConfig.fromJson(c.config(), "cell " + c.id() + " (" + c.label() + ")");
            }
        }
    }

    private static void setOption(List<String> args, String option, String value) {
        int i = args.indexOf(option);
        if (i >= 0 && i + 1 < args.size()) {
            args.set(i + 1, value);
        } else {
            args.add(option);
            args.add(value);
        }
    }

    /** Sets a dotted key in a config object, creating the objects on the way. */
    static void put(ObjectNode config, String dotted, JsonNode value) {
        String[] parts = dotted.split("\\.");
        ObjectNode o = config;
        for (int i = 0; i < parts.length - 1; i++) {
            JsonNode next = o.get(parts[i]);
            if (next == null || !next.isObject()) {
                next = o.putObject(parts[i]);
            }
            o = (ObjectNode) next;
        }
        o.set(parts[parts.length - 1], value);
    }

    /** Σ for condition number κ: eigenvalues κ^(−i/(d−1)), i = 0..d−1, scaled to trace d; Gaussian inputs. */
    private static void applyConditionNumber(ObjectNode config, JsonNode kappa) {
        double k = kappa.asDouble();
        int d = config.path("task").path("d").asInt(org.descent.task.TaskConfig.defaults().d());
        double[] ev = new double[d];
        double sum = 0;
        for (int i = 0; i < d; i++) {
            ev[i] = d == 1 ? 1 : Math.pow(k, -(double) i / (d - 1));
            sum += ev[i];
        }
        ArrayNode arr = JsonNodeFactory.instance.arrayNode();
        for (double v : ev) {
            arr.add(v * d / sum);
        }
        ObjectNode task = config.has("task") && config.get("task").isObject() ? (ObjectNode) config.get("task")
                : config.putObject("task");
        task.put("inputs", "gaussian");
        ObjectNode cov = task.putObject("covariance");
        cov.set("eigenvalues", arr);
    }

    private static void checkKey(String key, String command, Set<String> seen, String where) {
        if (!seen.add(key)) {
            throw new IllegalArgumentException(where + ": \"" + key + "\" is on two axes");
        }
        if (key.startsWith("-")) {
            checkNotManaged(key, where);
            if (!key.startsWith("--") || key.length() < 3) {
                throw new IllegalArgumentException(where + ": option axes are long options such as \"--steps\", got \""
                        + key + "\"");
            }
            return;
        }
        if (!CONFIG_COMMANDS.contains(command)) {
            throw new IllegalArgumentException(where + ": \"" + key + "\" is a config key, but " + command + " takes "
                    + "no experiment config; sweep its options instead (\"--name\")");
        }
        String first = key.split("\\.")[0];
        if (!List.of("task", "model", "train", "eval").contains(first) || key.endsWith(".") || key.contains("..")) {
            throw new IllegalArgumentException(where + ": unknown key \"" + key + "\": a config key starts with task., "
                    + "model., train. or eval. (e.g. task.d), an option axis with -- (e.g. --test-prompts)");
        }
    }

    private static void checkNotManaged(String arg, String where) {
        String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
        if (MANAGED.contains(name)) {
            throw new IllegalArgumentException(where + ": \"" + name + "\" is set by the sweep itself (config per "
                    + "cell, output folders in the sweep folder, seeds as cells, --no-cache on 'sweep run')");
        }
    }

    /** An axis's values: a non-empty array, or a range {from, to, step} / {from, to, count[, scale: log]}. */
    static List<JsonNode> values(JsonNode v, String where) {
        List<JsonNode> out = new ArrayList<>();
        if (v.isArray()) {
            v.forEach(out::add);
            if (out.isEmpty()) {
                throw new IllegalArgumentException(where + ": an axis needs at least one value (got [])");
            }
            return out;
        }
        if (!v.isObject()) {
            throw new IllegalArgumentException(where + ": an axis is a list of values or a range {from, to, step}, got "
                    + v);
        }
        for (Iterator<String> it = v.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!Set.of("from", "to", "step", "count", "scale").contains(k)) {
                throw new IllegalArgumentException(where + ": unknown range key \"" + k
                        + "\" (known: [count, from, scale, step, to])");
            }
        }
        if (!v.path("from").isNumber() || !v.path("to").isNumber()) {
            throw new IllegalArgumentException(where + ": a range needs numbers \"from\" and \"to\"");
        }
        boolean hasStep = v.has("step");
        boolean hasCount = v.has("count");
        if (hasStep == hasCount) {
            throw new IllegalArgumentException(where + ": a range needs exactly one of \"step\" and \"count\"");
        }
        String scale = v.path("scale").asText("linear");
        if (!scale.equals("linear") && !scale.equals("log")) {
            throw new IllegalArgumentException(where + ": \"scale\" is linear or log, got \"" + scale + "\"");
        }
        BigDecimal from = v.get("from").decimalValue();
        BigDecimal to = v.get("to").decimalValue();
        if (hasStep) {
            if (!v.get("step").isNumber() || v.get("step").decimalValue().signum() <= 0 || scale.equals("log")) {
                throw new IllegalArgumentException(where + ": \"step\" must be a positive number (linear ranges only)");
            }
            BigDecimal step = v.get("step").decimalValue();
            boolean ints = v.get("from").isIntegralNumber() && v.get("to").isIntegralNumber()
                    && v.get("step").isIntegralNumber();
            for (BigDecimal x = from; x.compareTo(to) <= 0; x = x.add(step)) {
                out.add(ints ? JsonNodeFactory.instance.numberNode(x.longValueExact())
                        : JsonNodeFactory.instance.numberNode(x.doubleValue()));
                if (out.size() > 100_000) {
                    throw new IllegalArgumentException(where + ": over 100,000 values");
                }
            }
        } else {
            if (!v.get("count").isIntegralNumber() || v.get("count").asInt() < 1) {
                throw new IllegalArgumentException(where + ": \"count\" must be a positive whole number");
            }
            int n = v.get("count").asInt();
            double a = from.doubleValue();
            double b = to.doubleValue();
            if (scale.equals("log") && (a <= 0 || b <= 0)) {
                throw new IllegalArgumentException(where + ": a log range needs positive \"from\" and \"to\"");
            }
            if (a > b) {
                throw new IllegalArgumentException(where + ": empty range (from " + a + " > to " + b + ")");
            }
            for (int i = 0; i < n; i++) {
                double t = n == 1 ? 0 : (double) i / (n - 1);
                double x = scale.equals("log") ? Math.exp(Math.log(a) + t * (Math.log(b) - Math.log(a))) : a + t * (b - a);
                out.add(JsonNodeFactory.instance.numberNode(Double.parseDouble(String.format(Locale.ROOT, "%.6g", x))));
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(where + ": empty range (from " + from + " > to " + to + ")");
        }
        return out;
    }

    private static String text(JsonNode root, String key, String fallback) {
        JsonNode v = root.get(key);
        if (v == null) {
            return fallback;
        }
        if (!v.isTextual()) {
            throw new IllegalArgumentException("\"" + key + "\" must be a string, got " + v);
        }
        return v.asText();
    }
}
