package org.descent.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.descent.util.AtomicFiles;
import org.descent.util.Json;
import org.descent.util.Schema;

/**
 * A sweep's folder on a (shared) file system:
 *
 * <pre>
 * DIR/spec.json            the spec as given
 * DIR/plan.json            every cell: index, axis values, seed, options, config file
 * DIR/configs/0003.json    cell 3's experiment config (verify)
 * DIR/cells/0003/          cell 3, published by one atomic rename: cell.json (status, error, timings), log.txt and
 *                          the command's own run folder (reports/&lt;run-id&gt;/ layout)
 * DIR/cells/.0003.partial/ cell 3 being run; its worker holds an OS lock on .lock inside
 * DIR/logs/                worker output (local executor); DIR/slurm/ batch scripts, job ids and task logs
 * DIR/results.csv, DIR/results.feather, DIR/report/   written by collect
 * </pre>
 */
public final class SweepDir {
    public static final String PLAN = "plan.json";
    public static final String CELLS = "cells";
    public static final String CELL_JSON = "cell.json";

    private final Path dir;
    private final JsonNode plan;

    private SweepDir(Path dir, JsonNode plan) {
        this.dir = dir;
        this.plan = plan;
    }

    /** The state of a cell as its folders say. */
    public enum State { OK, FAILED, RUNNING, STALE, PENDING }

    /**
     * Writes a new sweep folder for {@code spec}, or opens the existing one when it holds the same plan (a re-run
     * resumes it); a folder holding another plan is an error.
     */
    public static SweepDir create(Path dir, Path specFile, SweepSpec spec, List<Cell> cells, Path modelsDir) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("schema_version", Schema.VERSION);
        p.put("kind", "sweep-plan");
        p.put("name", spec.name());
        p.put("command", spec.command());
        p.put("axes", spec.axisKeys());
        p.put("seeds", spec.seeds());
        if (spec.report() != null) {
            p.put("report", spec.report());
        }
        p.put("models_dir", modelsDir == null ? null : modelsDir.toAbsolutePath().normalize().toString());
        List<Map<String, Object>> list = new ArrayList<>();
        for (Cell c : cells) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("index", c.index());
            m.put("id", c.id());
            m.put("label", c.label());
            m.put("point", c.point());
            m.put("seed", c.seed());
            m.put("args", c.args());
            m.put("config", c.config());
            list.add(m);
        }
        Map<String, Object> id = new java.util.TreeMap<>(); // a fixed order: Map.of's differs from JVM to JVM
        id.put("command", spec.command());
        id.put("cells", list);
        id.put("models_dir", String.valueOf(p.get("models_dir")));
        String identity = sha256(Json.write(id));
        p.put("plan_sha256", identity);
        p.put("cells", list);
        Path planFile = dir.resolve(PLAN);
        try {
            if (Files.exists(planFile)) {
                JsonNode old = Json.mapper().readTree(planFile.toFile());
                if (!identity.equals(old.path("plan_sha256").asText())) {
                    throw new IllegalArgumentException(dir + " holds another sweep (its plan differs from this spec's: "
                            + "changed axes, values, options or models folder); choose another --sweep-dir or remove "
                            + "that folder");
                }
                return open(dir);
            }
            Files.createDirectories(dir.resolve(CELLS));
            Files.createDirectories(dir.resolve("configs"));
            for (Cell c : cells) {
                if (c.config() != null) {
                    AtomicFiles.writeString(dir.resolve("configs").resolve(c.id() + ".json"), Json.write(c.config()));
                }
            }
            if (specFile != null) {
                AtomicFiles.write(dir.resolve("spec.json"), out -> out.write(SweepSpec.bytes(specFile)));
            }
            AtomicFiles.writeString(planFile, Json.write(p)); // last: a plan.json means the folder is complete
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the sweep folder " + dir + ": " + e.getMessage(), e);
        }
        return open(dir);
    }

    /** Opens an existing sweep folder. */
    public static SweepDir open(Path dir) {
        Path planFile = dir.resolve(PLAN);
        if (!Files.isRegularFile(planFile)) {
            throw new IllegalArgumentException(dir + ": not a sweep folder (no " + PLAN + "); 'descent sweep run "
                    + "SPEC' creates one");
        }
        try {
            return new SweepDir(dir, Json.mapper().readTree(planFile.toFile()));
        } catch (IOException e) {
            throw new IllegalArgumentException(planFile + ": " + Json.describe(e), e);
        }
    }

    public Path dir() {
        return dir;
    }

    public JsonNode plan() {
        return plan;
    }

    public String name() {
        return plan.path("name").asText();
    }

    public String command() {
        return plan.path("command").asText();
    }

    public List<String> axes() {
        List<String> out = new ArrayList<>();
        plan.path("axes").forEach(a -> out.add(a.asText()));
        return out;
    }

    public int size() {
        return plan.path("cells").size();
    }

    public JsonNode cell(int index) {
        if (index < 0 || index >= size()) {
            throw new IllegalArgumentException("cell " + index + " is not in " + dir + " (cells 0.." + (size() - 1)
                    + ")");
        }
        return plan.path("cells").get(index);
    }

    /** The axis values of a cell. */
    public Map<String, JsonNode> point(int index) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = cell(index).path("point").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            out.put(e.getKey(), e.getValue());
        }
        return out;
    }

    public Path cellsDir() {
        return dir.resolve(CELLS);
    }

    public Path published(int index) {
        return cellsDir().resolve(Cell.id(index));
    }

    public Path staging(int index) {
        return cellsDir().resolve("." + Cell.id(index) + ".partial");
    }

    public Path configFile(int index) {
        return dir.resolve("configs").resolve(Cell.id(index) + ".json");
    }

    public Path modelsDir() {
        String m = plan.path("models_dir").asText(null);
        return m == null ? null : Path.of(m);
    }

    /**
     * The command line that runs cell {@code index} writing into {@code reportsDir}, as the command's own options
     * (without the leading "descent").
     */
    public List<String> commandLine(int index, Path reportsDir, boolean noCache) {
        JsonNode c = cell(index);
        String command = command();
        List<String> args = new ArrayList<>();
        args.add(command);
        c.path("args").forEach(a -> args.add(a.asText()));
        if (SweepSpec.CONFIG_COMMANDS.contains(command)) {
            args.add("--config");
            args.add(configFile(index).toAbsolutePath().toString());
        }
        if (command.equals("verify") || command.equals("reproduce")) {
            args.add("--models-dir");
            args.add(modelsDir().toString());
        }
        args.add("--reports-dir");
        args.add(reportsDir.toAbsolutePath().toString());
        if (!command.equals("compare")) {
            args.add("-q");
        }
        if (noCache && (command.equals("verify") || command.equals("reproduce"))) {
            args.add("--no-cache");
        }
        return args;
    }

    /** The cell's record ({@code cell.json}) when it is published, else null. */
    public ObjectNode record(int index) {
        Path f = published(index).resolve(CELL_JSON);
        if (!Files.isRegularFile(f)) {
            return null;
        }
        try {
            return (ObjectNode) Json.mapper().readTree(f.toFile());
        } catch (IOException | ClassCastException e) {
            return null;
        }
    }

    /** What the folders say about a cell. */
    public State state(int index) {
        ObjectNode r = record(index);
        if (r != null) {
            return "ok".equals(r.path("status").asText()) ? State.OK : State.FAILED;
        }
        Path staging = staging(index);
        if (!Files.isDirectory(staging)) {
            return State.PENDING;
        }
        return CellRunner.heldHere(staging) || lockHeld(staging.resolve(".lock")) ? State.RUNNING : State.STALE;
    }

    /**
     * Whether a live process holds the lock on {@code lockFile}. Never call it on a lock this JVM holds: closing the
     * descriptor it opens would drop that lock (POSIX); {@link #state} asks {@link CellRunner#heldHere} first.
     */
    static boolean lockHeld(Path lockFile) {
        if (!Files.exists(lockFile)) {
            return true; // being created this instant (or by a killed process: then it is stale after a grace time)
        }
        try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
            FileLock l = ch.tryLock();
            if (l == null) {
                return true;
            }
            l.release();
            return false;
        } catch (OverlappingFileLockException e) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Counts of cells by state, in state order. */
    public Map<State, Integer> counts() {
        Map<State, Integer> out = new LinkedHashMap<>();
        for (State s : State.values()) {
            out.put(s, 0);
        }
        for (int i = 0; i < size(); i++) {
            out.merge(state(i), 1, Integer::sum);
        }
        return out;
    }

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(
                    StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
