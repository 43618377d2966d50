package org.descent.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.descent.util.AtomicFiles;
import org.descent.util.Json;

/**
 * Submits the pending cells as one {@code sbatch --array} job whose task i runs {@code descent sweep cell DIR i}
 * (the array index is the cell index), writing into the sweep folder, which must be on a file system the nodes share.
 * Batch scripts, job ids and task logs go to {@code DIR/slurm/}. With {@code wait} it polls {@code squeue} and the
 * folders until the job has left the queue.
 */
public final class SlurmExecutor implements Executor {
    /** sbatch settings. */
    public record Options(String partition, String time, Integer gpusPerTask, Integer cpusPerTask, String mem,
            Integer maxParallel, Path setup, List<String> sbatchArgs, boolean waitForJob) {}

    private final Options o;

    public SlurmExecutor(Options options) {
        this.o = options;
    }

    @Override
    public String name() {
        return "slurm";
    }

    /** {@code 0-3,5,7-9}: the indices as ranges. */
    static String arraySpec(List<Integer> cells) {
        StringBuilder sb = new StringBuilder();
        int i = 0;
        while (i < cells.size()) {
            int j = i;
            while (j + 1 < cells.size() && cells.get(j + 1) == cells.get(j) + 1) {
                j++;
            }
            sb.append(sb.length() == 0 ? "" : ",").append(cells.get(i));
            if (j > i) {
                sb.append('-').append(cells.get(j));
            }
            i = j + 1;
        }
        return sb.toString();
    }

    /** The batch script for {@code cells}. */
    String script(SweepDir sweep, List<Integer> cells, boolean noCache) {
        Path dir = sweep.dir().toAbsolutePath().normalize();
        StringBuilder s = new StringBuilder("#!/bin/bash\n");
        s.append("#SBATCH --job-name=descent-").append(sweep.name()).append('\n');
        s.append("#SBATCH --array=").append(arraySpec(cells)).append(o.maxParallel() != null ? "%" + o.maxParallel()
                : "").append('\n');
        s.append("#SBATCH --output=").append(dir.resolve("slurm").resolve("logs")).append("/%A_%a.out\n");
        s.append("#SBATCH --cpus-per-task=").append(o.cpusPerTask() == null ? 1 : o.cpusPerTask()).append('\n');
        if (o.partition() != null) {
            s.append("#SBATCH --partition=").append(o.partition()).append('\n');
        }
        if (o.time() != null) {
            s.append("#SBATCH --time=").append(o.time()).append('\n');
        }
        if (o.gpusPerTask() != null && o.gpusPerTask() > 0) {
            s.append("#SBATCH --gpus-per-task=").append(o.gpusPerTask()).append('\n');
        }
        if (o.mem() != null) {
            s.append("#SBATCH --mem=").append(o.mem()).append('\n');
        }
        for (String a : o.sbatchArgs()) {
            s.append("#SBATCH ").append(a).append('\n');
        }
        s.append("# descent sweep: task i runs cell i of ").append(dir).append(" (README \"Sweeps\")\n");
        s.append("set -u\n");
        s.append("export MKL_CBWR=\"${MKL_CBWR-AUTO}\" DJL_OFFLINE=true\n");
        if (o.setup() != null) {
            s.append("# per-task setup (modules, PYTORCH_LIBRARY_PATH for GPU nodes, ...)\n");
            s.append("source ").append(quote(o.setup().toAbsolutePath().normalize().toString())).append('\n');
        }
        List<String> cmd = WorkerCommand.forCell(dir, 0, noCache);
        StringBuilder line = new StringBuilder("exec \"${DESCENT_JAVA:-" + cmd.get(0) + "}\"");
        for (int i = 1; i < cmd.size(); i++) {
            String a = cmd.get(i);
            if (i == cmd.size() - (noCache ? 2 : 1)) {
                line.append(" \"$SLURM_ARRAY_TASK_ID\"");
            } else {
                line.append(' ').append(quote(a));
            }
        }
        s.append(line).append('\n');
        return s.toString();
    }

    @Override
    public boolean execute(SweepDir sweep, List<Integer> cells, boolean noCache, PrintWriter err) {
        Path slurm = sweep.dir().resolve("slurm");
        String stamp = Instant.now().toString().replace(":", "").replace(".", "");
        Path scriptFile = slurm.resolve("array-" + stamp + ".sbatch");
        try {
            Files.createDirectories(slurm.resolve("logs"));
            AtomicFiles.writeString(scriptFile, script(sweep, cells, noCache));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + scriptFile + ": " + e.getMessage(), e);
        }
        Cmd r = Cmd.run(List.of("sbatch", "--parsable", scriptFile.toString()), 120);
        if (r.code() != 0) {
            throw new IllegalStateException("sbatch failed (exit " + r.code() + "): " + r.output().strip()
                    + " [script: " + scriptFile + "]");
        }
        String jobId = r.output().strip().split("[;\\s]")[0];
        recordJob(sweep, jobId, scriptFile, cells);
        err.println("submitted Slurm job " + jobId + ": " + cells.size() + " cell(s), array " + arraySpec(cells)
                + " (script " + scriptFile + ")");
        err.flush();
        if (!o.waitForJob()) {
            return false;
        }
        int last = -1;
        while (true) {
            Cmd q = Cmd.run(List.of("squeue", "-h", "-j", jobId, "-o", "%i %T"), 60);
            long queued = q.code() == 0 ? q.output().lines().filter(l -> !l.isBlank()).count() : 0;
            Map<SweepDir.State, Integer> c = sweep.counts();
            int finished = c.get(SweepDir.State.OK) + c.get(SweepDir.State.FAILED);
            if (finished != last) {
                err.printf(Locale.ROOT, "[%d/%d] finished (%d ok, %d failed), %d running, job %s: %d task(s) queued "
                        + "or running%n", finished, sweep.size(), c.get(SweepDir.State.OK), c.get(SweepDir.State.FAILED),
                        c.get(SweepDir.State.RUNNING), jobId, queued);
                err.flush();
                last = finished;
            }
            if (q.code() == 0 && queued == 0) {
                return true;
            }
            try {
                Thread.sleep(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                err.println("stopped waiting; the job keeps running (descent sweep status / cancel " + sweep.dir()
                        + ")");
                return false;
            }
        }
    }

    /** The job ids submitted for a sweep (DIR/slurm/jobs.json), newest last. */
    public static List<String> jobs(SweepDir sweep) {
        Path f = sweep.dir().resolve("slurm").resolve("jobs.json");
        List<String> out = new ArrayList<>();
        if (Files.isRegularFile(f)) {
            try {
                Json.mapper().readTree(f.toFile()).forEach(j -> out.add(j.path("job_id").asText()));
            } catch (IOException e) {
                // none readable
            }
        }
        return out;
    }

    private static synchronized void recordJob(SweepDir sweep, String jobId, Path script, List<Integer> cells) {
        Path f = sweep.dir().resolve("slurm").resolve("jobs.json");
        ArrayNode all = Json.mapper().createArrayNode();
        if (Files.isRegularFile(f)) {
            try {
                JsonNode old = Json.mapper().readTree(f.toFile());
                if (old.isArray()) {
                    all.addAll((ArrayNode) old);
                }
            } catch (IOException e) {
                // start afresh
            }
        }
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("job_id", jobId);
        j.put("script", script.toString());
        j.put("array", arraySpec(cells));
        j.put("submitted", Instant.now().toString());
        all.add(Json.mapper().valueToTree(j));
        AtomicFiles.writeString(f, Json.write(all));
    }

    static String quote(String s) {
        return s.matches("[A-Za-z0-9_./=:,+@%-]+") ? s : "'" + s.replace("'", "'\\''") + "'";
    }

    /** A finished external command: exit code and merged output. */
    public record Cmd(int code, String output) {
        public static Cmd run(List<String> command, int timeoutSeconds) {
            try {
                Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
                byte[] out = p.getInputStream().readAllBytes();
                if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    return new Cmd(124, "timed out: " + String.join(" ", command));
                }
                return new Cmd(p.exitValue(), new String(out, StandardCharsets.UTF_8));
            } catch (IOException e) {
                return new Cmd(127, command.get(0) + ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Cmd(130, "interrupted");
            }
        }
    }
}
