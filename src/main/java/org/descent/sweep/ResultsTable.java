package org.descent.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.descent.experiment.ExperimentConfig;
import org.descent.util.AtomicFiles;
import org.descent.util.Json;

/**
 * The sweep's one results table: a row per cell (cell × seed) with its status and error, axis values, the whole
 * resolved config, every numeric metric (value, interval, outcome), every verdict, timings and provenance (README
 * "Sweeps", "The results table"). Written as CSV and as Feather v2 (Arrow IPC file), which pandas reads with
 * {@code pd.read_feather} and {@code pd.read_csv}.
 */
public final class ResultsTable {
    /** A column's type: whole numbers, floating point, true/false, text. */
    public enum Type { INT, DOUBLE, BOOL, STRING }

    private final List<String> columns;
    private final List<Type> types;
    private final List<Map<String, Object>> rows;

    private ResultsTable(List<String> columns, List<Type> types, List<Map<String, Object>> rows) {
        this.columns = columns;
        this.types = types;
        this.rows = rows;
    }

    public List<String> columns() {
        return columns;
    }

    public List<Type> types() {
        return types;
    }

    public List<Map<String, Object>> rows() {
        return rows;
    }

    /** Whether a column holds timings (or a time stamp or host), which differ from run to run. */
    public static boolean isTiming(String column) {
        return column.equals("wall_s") || column.startsWith("timing.") || column.equals("started");
    }

    /** Reads every cell of the sweep. */
    public static ResultsTable collect(SweepDir sweep) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int i = 0; i < sweep.size(); i++) {
            rows.add(row(sweep, i));
        }
        Set<String> names = new LinkedHashSet<>();
        rows.forEach(r -> names.addAll(r.keySet()));
        List<String> cols = new ArrayList<>();
        // fixed order: identity and status, axes, config, verdicts, metrics, timings, provenance
        for (String prefix : new String[] {"#id", "#axis", "config.", "verdict", "metric.", "#timing", "#prov"}) {
            List<String> inGroup = new ArrayList<>(names);
            if (prefix.equals("#timing")) {
                inGroup.sort(null); // manifests may list timings in any order
            }
            for (String n : inGroup) {
                if (!cols.contains(n) && group(n, sweep).equals(prefix)) {
                    cols.add(n);
                }
            }
        }
        List<Type> types = new ArrayList<>();
        for (String c : cols) {
            types.add(infer(rows, c));
        }
        for (Map<String, Object> r : rows) {
            for (int k = 0; k < cols.size(); k++) {
                Object v = r.get(cols.get(k));
                if (v != null && types.get(k) == Type.STRING && !(v instanceof String)) {
                    r.put(cols.get(k), String.valueOf(v));
                } else if (v instanceof Long l && types.get(k) == Type.DOUBLE) {
                    r.put(cols.get(k), l.doubleValue());
                }
            }
        }
        return new ResultsTable(cols, types, rows);
    }

    private static final List<String> ID = List.of("cell", "cell_id", "status", "error", "seed");
    private static final List<String> PROV = List.of("run_folder", "run_id", "git_commit", "descent_version",
            "device", "training_cached", "executor", "slurm_job_id", "host", "exit_code");

    private static String group(String n, SweepDir sweep) {
        if (ID.contains(n)) {
            return "#id";
        }
        if (sweep.axes().contains(n)) {
            return "#axis";
        }
        if (n.startsWith("config.")) {
            return "config.";
        }
        if (n.equals("verdict") || n.startsWith("verdict.")) {
            return "verdict";
        }
        if (n.startsWith("metric.")) {
            return "metric.";
        }
        if (isTiming(n)) {
            return "#timing";
        }
        return "#prov";
    }

    private static Map<String, Object> row(SweepDir sweep, int i) {
        Map<String, Object> r = new LinkedHashMap<>();
        JsonNode cell = sweep.cell(i);
        r.put("cell", (long) i);
        r.put("cell_id", Cell.id(i));
        ObjectNode rec = sweep.record(i);
        SweepDir.State state = sweep.state(i);
        r.put("status", switch (state) {
            case OK -> "ok";
            case FAILED -> "failed";
            default -> "missing";
        });
        r.put("error", switch (state) {
            case OK -> null;
            case FAILED -> rec.path("error").asText("failed");
            case RUNNING -> "not finished: a live worker holds it";
            case STALE -> "not finished: its worker was stopped or killed (a re-run does it)";
            case PENDING -> "not run yet";
        });
        r.put("seed", cell.path("seed").asLong());
        for (Iterator<Map.Entry<String, JsonNode>> it = cell.path("point").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            r.put(e.getKey(), scalar(e.getValue()));
        }
        JsonNode config = cell.get("config");
        if (config != null && config.isObject()) {
            try {
                JsonNode resolved = Json.mapper().valueToTree(ExperimentConfig.fromJson((ObjectNode) config, "cell"));
                flatten(resolved, "config", r);
            } catch (IllegalArgumentException e) {
                flatten(config, "config", r);
            }
        }
        if (rec != null) {
            r.put("wall_s", rec.path("wall_s").isNumber() ? rec.path("wall_s").asDouble() : null);
            r.put("started", rec.path("started").asText(null));
            r.put("exit_code", rec.path("exit_code").asLong());
            r.put("host", rec.path("host").asText(null));
            r.put("executor", rec.path("executor").path("name").asText(null));
            r.put("slurm_job_id", rec.path("executor").path("slurm_job_id").asText(null));
            String run = rec.path("run_folder").asText(null);
            if (run != null) {
                Path folder = sweep.published(i).resolve(run);
                r.put("run_folder", sweep.dir().toAbsolutePath().normalize().relativize(folder.toAbsolutePath()
                        .normalize()).toString());
                readRun(folder, r);
            }
        }
        return r;
    }

    private static void readRun(Path folder, Map<String, Object> r) {
        try {
            Path mf = folder.resolve("metrics.json");
            if (Files.isRegularFile(mf)) {
                JsonNode m = Json.mapper().readTree(mf.toFile());
                r.put("run_id", m.path("run_id").asText(null));
                if (m.hasNonNull("verdict")) {
                    r.put("verdict", m.get("verdict").asText());
                }
                for (JsonNode v : m.path("verdicts")) {
                    if (v.hasNonNull("key") && v.hasNonNull("outcome")) {
                        r.put("verdict." + v.get("key").asText(), v.get("outcome").asText());
                    }
                }
                for (JsonNode rec : m.path("metrics")) {
                    String key = "metric." + rec.path("key").asText();
                    JsonNode value = rec.get("value");
                    if (value == null || !(value.isNumber() || value.isNull())) {
                        continue;
                    }
                    r.put(key, value.isNull() ? null : value.asDouble());
                    if (rec.has("lower")) {
                        r.put(key + ".lower", rec.get("lower").isNumber() ? rec.get("lower").asDouble() : null);
                        r.put(key + ".upper", rec.get("upper").isNumber() ? rec.get("upper").asDouble() : null);
                    }
                    if (rec.hasNonNull("outcome")) {
                        r.put(key + ".outcome", rec.get("outcome").asText());
                    }
                }
            }
            Path man = folder.resolve("manifest.json");
            if (Files.isRegularFile(man)) {
                JsonNode m = Json.mapper().readTree(man.toFile());
                JsonNode p = m.path("provenance");
                r.put("git_commit", p.path("git_commit").asText(null));
                r.put("descent_version", p.path("descent_version").asText(null));
                r.put("device", p.path("device").asText(null));
                for (Iterator<Map.Entry<String, JsonNode>> it = m.path("timings").fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    if (e.getValue().isNumber()) {
                        r.put("timing." + e.getKey(), e.getValue().asDouble());
                    }
                }
                JsonNode cached = m.path("details").path("training_cached");
                if (cached.isBoolean()) {
                    r.put("training_cached", cached.asBoolean());
                }
            }
        } catch (IOException e) {
            r.put("error", "cannot read " + folder + ": " + e.getMessage());
        }
    }

    private static void flatten(JsonNode node, String prefix, Map<String, Object> r) {
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                flatten(e.getValue(), prefix + "." + e.getKey(), r);
            }
        } else if (!node.isNull()) {
            r.put(prefix, scalar(node));
        }
    }

    private static Object scalar(JsonNode v) {
        if (v.isIntegralNumber()) {
            return v.asLong();
        }
        if (v.isNumber()) {
            return v.asDouble();
        }
        if (v.isBoolean()) {
            return v.asBoolean();
        }
        if (v.isTextual()) {
            return v.asText();
        }
        return v.isNull() ? null : v.toString();
    }

    private static Type infer(List<Map<String, Object>> rows, String c) {
        boolean allLong = true;
        boolean allNum = true;
        boolean allBool = true;
        boolean any = false;
        for (Map<String, Object> r : rows) {
            Object v = r.get(c);
            if (v == null) {
                continue;
            }
            any = true;
            allLong &= v instanceof Long;
            allNum &= v instanceof Number;
            allBool &= v instanceof Boolean;
        }
        if (!any) {
            return Type.STRING;
        }
        return allLong ? Type.INT : allNum ? Type.DOUBLE : allBool ? Type.BOOL : Type.STRING;
    }

    /** CSV (RFC 4180, UTF-8, header row; empty field = missing). */
    public void writeCsv(Path file) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.join(",", columns.stream().map(ResultsTable::csv).toList())).append('\n');
        for (Map<String, Object> r : rows) {
            List<String> f = new ArrayList<>();
            for (String c : columns) {
                Object v = r.get(c);
                f.add(v == null ? "" : v instanceof Double d ? (Double.isFinite(d) ? Double.toString(d) : "")
                        : v instanceof Boolean b ? (b ? "True" : "False") : csv(String.valueOf(v)));
            }
            sb.append(String.join(",", f)).append('\n');
        }
        AtomicFiles.writeString(file, sb.toString());
    }

    private static String csv(String s) {
        return s.contains(",") || s.contains("\"") || s.contains("\n") || s.contains("\r")
                ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }

    /** Feather v2 (the Arrow IPC file format, uncompressed): one record batch, nulls where a value is missing. */
    public void writeFeather(Path file) {
        AtomicFiles.write(file, out -> writeArrow(out));
    }

    private void writeArrow(OutputStream out) throws IOException {
        try (BufferAllocator alloc = new RootAllocator()) {
            List<FieldVector> vectors = new ArrayList<>();
            try {
                for (int k = 0; k < columns.size(); k++) {
                    vectors.add(vector(alloc, columns.get(k), types.get(k)));
                }
                try (VectorSchemaRoot root = new VectorSchemaRoot(vectors)) {
                    vectors.clear(); // owned by root now
                    root.setRowCount(rows.size());
                    try (ArrowFileWriter w = new ArrowFileWriter(root, null, Channels.newChannel(out))) {
                        w.start();
                        w.writeBatch();
                        w.end();
                    }
                }
            } finally {
                vectors.forEach(FieldVector::close);
            }
        }
    }

    private FieldVector vector(BufferAllocator alloc, String name, Type type) {
        int n = rows.size();
        switch (type) {
            case INT -> {
                BigIntVector v = new BigIntVector(name, alloc);
                v.allocateNew(n);
                for (int i = 0; i < n; i++) {
                    Object o = rows.get(i).get(name);
                    if (o == null) {
                        v.setNull(i);
                    } else {
                        v.set(i, (Long) o);
                    }
                }
                v.setValueCount(n);
                return v;
            }
            case DOUBLE -> {
                Float8Vector v = new Float8Vector(name, alloc);
                v.allocateNew(n);
                for (int i = 0; i < n; i++) {
                    Object o = rows.get(i).get(name);
                    if (o == null) {
                        v.setNull(i);
                    } else {
                        v.set(i, ((Number) o).doubleValue());
                    }
                }
                v.setValueCount(n);
                return v;
            }
            case BOOL -> {
                BitVector v = new BitVector(name, alloc);
                v.allocateNew(n);
                for (int i = 0; i < n; i++) {
                    Object o = rows.get(i).get(name);
                    if (o == null) {
                        v.setNull(i);
                    } else {
                        v.set(i, (Boolean) o ? 1 : 0);
                    }
                }
                v.setValueCount(n);
                return v;
            }
            default -> {
                VarCharVector v = new VarCharVector(name, alloc);
                v.allocateNew(n);
                for (int i = 0; i < n; i++) {
                    Object o = rows.get(i).get(name);
                    if (o == null) {
                        v.setNull(i);
                    } else {
                        v.setSafe(i, String.valueOf(o).getBytes(StandardCharsets.UTF_8));
                    }
                }
                v.setValueCount(n);
                return v;
            }
        }
    }

    /** Writes {@code results.csv} and {@code results.feather} into the sweep folder. */
    public void write(SweepDir sweep) {
        try {
            writeCsv(sweep.dir().resolve("results.csv"));
            writeFeather(sweep.dir().resolve("results.feather"));
        } catch (UncheckedIOException e) {
            throw e;
        }
    }
}
