package org.descent.sweep;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.descent.util.AtomicFiles;
import org.descent.util.Json;
import org.descent.util.Schema;

/**
 * Runs one cell, whichever executor started it ({@code descent sweep cell DIR INDEX}): claims the cell, runs its
 * command into a staging folder and publishes the folder with one atomic rename.
 *
 * <p>Claiming: the worker creates {@code cells/.<id>.partial} (an atomic {@code mkdir}: of two racing workers one
 * gets it) and holds an OS lock on its {@code .lock} for as long as it lives. A worker that finds the staging folder
 * locked leaves the cell to its owner; one that finds it unlocked (its owner was killed: SIGKILL, scancel, a lost
 * node) removes it and claims the cell. Holding the claim, it re-reads the published folder: a finished cell is left
 * alone (never run twice), a failed one is moved aside and run again. So a finished cell is never duplicated or
 * corrupted, and a folder {@code cells/<id>/} that exists is complete.
 */
public final class CellRunner {
    /** A lock-less staging folder younger than this may be a claim being made this instant. */
    static final Duration UNLOCKED_GRACE = Duration.ofSeconds(30);

    private CellRunner() {}

    /** What became of a cell. */
    public enum Outcome {
        /** ran and succeeded */
        OK,
        /** ran and failed (recorded, with the error) */
        FAILED,
        /** already finished: nothing done */
        DONE,
        /** another live worker holds it: nothing done */
        BUSY,
        /** stopped by a signal before finishing: nothing published, the cell stays pending */
        INTERRUPTED
    }

    /** Runs a command line of descent (without the leading "descent") and returns its exit code. */
    @FunctionalInterface
    public interface Invoker {
        int run(List<String> args);
    }

    /** The outcome and, for a cell that ran, its exit code. */
    public record Result(Outcome outcome, int exitCode, String error) {}

    /**
     * Runs cell {@code index} of {@code sweep} unless it is finished or claimed.
     *
     * @param invoker runs the command in this process (its standard output and error go to the cell's log)
     */
    public static Result run(SweepDir sweep, int index, boolean noCache, Invoker invoker, PrintStream console) {
        sweep.cell(index); // range check
        if (sweep.state(index) == SweepDir.State.OK) {
            return new Result(Outcome.DONE, 0, null);
        }
        Claim claim = Claim.take(sweep, index);
        if (claim == null) {
            return new Result(Outcome.BUSY, 0, null);
        }
        try {
            // the published record only: never open our own .lock again (see Claim)
            var rec = sweep.record(index);
            if (rec != null && "ok".equals(rec.path("status").asText())) {
                return new Result(Outcome.DONE, 0, null);
            }
            if (rec != null || Files.exists(sweep.published(index))) {
                retire(sweep.published(index));
            }
            return execute(sweep, index, noCache, invoker, claim, console);
        } finally {
            claim.release();
        }
    }

    private static Result execute(SweepDir sweep, int index, boolean noCache, Invoker invoker, Claim claim,
            PrintStream console) {
        Path staging = claim.staging();
        List<String> args = sweep.commandLine(index, staging, noCache);
        List<String> logical = new ArrayList<>(sweep.commandLine(index, sweep.published(index), noCache));
        logical.add(0, "descent");
        Instant started = Instant.now();
        long t0 = System.nanoTime();
        int code;
        Path log = staging.resolve("log.txt");
        ByteArrayOutputStream tail = new ByteArrayOutputStream();
        PrintStream savedOut = System.out;
        PrintStream savedErr = System.err;
        try (OutputStream file = Files.newOutputStream(log)) {
            OutputStream both = new TeeStream(file, tail, console);
            PrintStream ps = new PrintStream(both, true, StandardCharsets.UTF_8);
            System.setOut(ps);
            System.setErr(ps);
            try {
                code = invoker.run(args);
            } catch (RuntimeException | Error e) {
                e.printStackTrace(ps);
                code = 1;
            } finally {
                ps.flush();
                System.setOut(savedOut);
                System.setErr(savedErr);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + log + ": " + e.getMessage(), e);
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        if (code == 130 || code == 143) {
            return new Result(Outcome.INTERRUPTED, code, "stopped by a signal");
        }
        String error = code == 0 ? null : errorLine(tail.toString(StandardCharsets.UTF_8), code);
        Map<String, Object> rec = new LinkedHashMap<>();
        rec.put("schema_version", Schema.VERSION);
        rec.put("kind", "sweep-cell");
        rec.put("index", index);
        rec.put("id", Cell.id(index));
        rec.put("status", code == 0 ? "ok" : "failed");
        rec.put("exit_code", code);
        rec.put("error", error);
        rec.put("label", sweep.cell(index).path("label").asText());
        rec.put("point", sweep.cell(index).path("point"));
        rec.put("seed", sweep.cell(index).path("seed"));
        rec.put("command", logical);
        rec.put("run_folder", runFolder(staging));
        rec.put("started", started.toString());
        rec.put("wall_s", wall);
        rec.put("host", host());
        rec.put("pid", ProcessHandle.current().pid());
        Map<String, Object> executor = new LinkedHashMap<>();
        String job = System.getenv("SLURM_ARRAY_JOB_ID");
        executor.put("name", job != null ? "slurm" : "local");
        if (job != null) {
            executor.put("slurm_job_id", job);
            executor.put("slurm_array_task_id", System.getenv("SLURM_ARRAY_TASK_ID"));
            executor.put("slurm_node", System.getenv("SLURMD_NODENAME"));
        }
        rec.put("executor", executor);
        AtomicFiles.writeString(staging.resolve(SweepDir.CELL_JSON), Json.write(rec));
        claim.publish(sweep.published(index));
        return new Result(code == 0 ? Outcome.OK : Outcome.FAILED, code, error);
    }

    /**
     * Records a cell whose worker died without a word (killed, crashed JVM) as failed, with {@code error}; used by the
     * local executor. Does nothing when the cell is finished or claimed by a live worker.
     */
    public static boolean recordFailure(SweepDir sweep, int index, int exitCode, String error) {
        Claim claim = Claim.take(sweep, index);
        if (claim == null) {
            return false;
        }
        try {
            if (Files.exists(sweep.published(index))) {
                return false;
            }
            Map<String, Object> rec = new LinkedHashMap<>();
            rec.put("schema_version", Schema.VERSION);
            rec.put("kind", "sweep-cell");
            rec.put("index", index);
            rec.put("id", Cell.id(index));
            rec.put("status", "failed");
            rec.put("exit_code", exitCode);
            rec.put("error", error);
            rec.put("label", sweep.cell(index).path("label").asText());
            rec.put("point", sweep.cell(index).path("point"));
            rec.put("seed", sweep.cell(index).path("seed"));
            rec.put("run_folder", null);
            rec.put("started", Instant.now().toString());
            rec.put("host", host());
            rec.put("executor", Map.of("name", "local"));
            AtomicFiles.writeString(claim.staging().resolve(SweepDir.CELL_JSON), Json.write(rec));
            claim.publish(sweep.published(index));
            return true;
        } finally {
            claim.release();
        }
    }

    /** The one-line error of a failed command: its last "descent: ..." line, else its last line. */
    static String errorLine(String output, int code) {
        String last = null;
        String lastDescent = null;
        for (String line : output.split("\n")) {
            String l = line.strip();
            if (l.isEmpty()) {
                continue;
            }
            last = l;
            if (l.startsWith("descent:")) {
                lastDescent = l;
            }
        }
        String msg = lastDescent != null ? lastDescent : last != null ? last : "no output";
        return "exit " + code + ": " + (msg.length() > 500 ? msg.substring(0, 500) + "…" : msg);
    }

    private static String runFolder(Path staging) {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(staging)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (Files.isDirectory(p) && !n.startsWith(".")) {
                    return n;
                }
            }
        } catch (IOException e) {
            // none
        }
        return null;
    }

    static String host() {
        String h = System.getenv("HOSTNAME");
        if (h == null || h.isBlank()) {
            try {
                h = java.net.InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                h = "unknown";
            }
        }
        return h;
    }

    /** Moves a failed cell's folder aside (atomically, so no one sees it half-deleted), then deletes it. */
    private static void retire(Path published) {
        Path aside = published.resolveSibling("." + published.getFileName() + ".retired-"
                + ProcessHandle.current().pid());
        try {
            Files.move(published, aside, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move the failed cell " + published + " aside: " + e.getMessage(), e);
        }
        deleteTree(aside);
    }

    static void deleteTree(Path dir) {
        org.descent.util.RunDirectory.deleteTree(dir);
    }

    /** Writes to several streams; the console one may be null. */
    private static final class TeeStream extends OutputStream {
        private final OutputStream file;
        private final ByteArrayOutputStream tail;
        private final OutputStream console;

        TeeStream(OutputStream file, ByteArrayOutputStream tail, OutputStream console) {
            this.file = file;
            this.tail = tail;
            this.console = console;
        }

        @Override
        public synchronized void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) throws IOException {
            file.write(b, off, len);
            if (tail.size() > 1 << 20) {
                tail.reset();
            }
            tail.write(b, off, len);
            if (console != null) {
                console.write(b, off, len);
            }
        }

        @Override
        public synchronized void flush() throws IOException {
            file.flush();
            if (console != null) {
                console.flush();
            }
        }
    }

    /** Whether this JVM holds the claim on {@code staging} (then its lock file must not be opened here). */
    static boolean heldHere(Path staging) {
        return Claim.HELD.contains(staging.toAbsolutePath().normalize());
    }

    /**
     * A held claim on a cell: its staging folder and the OS lock inside it.
     *
     * <p>POSIX record locks belong to the process, and closing any descriptor of the file drops them all: so this JVM
     * never opens the lock file of a claim it holds (to test it, say); {@link #HELD} tells it which those are.
     */
    static final class Claim {
        static final java.util.Set<Path> HELD = java.util.concurrent.ConcurrentHashMap.newKeySet();

        private final Path staging;
        private final FileChannel channel;
        private final FileLock lock;
        private boolean published;

        private Claim(Path staging, FileChannel channel, FileLock lock) {
            this.staging = staging;
            this.channel = channel;
            this.lock = lock;
        }

        Path staging() {
            return staging;
        }

        /** Claims cell {@code index}, or returns null when a live worker holds it. */
        static Claim take(SweepDir sweep, int index) {
            Path staging = sweep.staging(index);
            for (int attempt = 0; attempt < 3; attempt++) {
                try {
                    Files.createDirectories(staging.getParent());
                    Files.createDirectory(staging);
                } catch (FileAlreadyExistsException e) {
                    if (!removeIfStale(staging)) {
                        return null;
                    }
                    continue;
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot claim " + staging + ": " + e.getMessage(), e);
                }
                FileChannel ch = null;
                try {
                    ch = FileChannel.open(staging.resolve(".lock"), StandardOpenOption.CREATE_NEW,
                            StandardOpenOption.WRITE);
                    FileLock l = ch.tryLock();
                    if (l == null) {
                        ch.close();
                        return null;
                    }
                    ch.write(java.nio.ByteBuffer.wrap(("pid " + ProcessHandle.current().pid() + " host " + host()
                            + "\n").getBytes(StandardCharsets.US_ASCII)));
                    HELD.add(staging.toAbsolutePath().normalize());
                    return new Claim(staging, ch, l);
                } catch (IOException e) {
                    try {
                        if (ch != null) {
                            ch.close();
                        }
                    } catch (IOException ignored) {
                        // nothing more to do
                    }
                    return null; // someone else's lock file appeared first
                }
            }
            return null;
        }

        /** Removes a staging folder whose writer is gone; false when a live worker holds it. */
        private static boolean removeIfStale(Path staging) {
            if (heldHere(staging)) {
                return false;
            }
            Path lockFile = staging.resolve(".lock");
            if (!Files.exists(lockFile)) {
                try {
                    Instant t = Files.getLastModifiedTime(staging).toInstant();
                    if (t.isAfter(Instant.now().minus(UNLOCKED_GRACE))) {
                        return false;
                    }
                } catch (IOException e) {
                    return true; // gone meanwhile: try again
                }
                return takeOverAndDelete(staging);
            }
            try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
                FileLock l = ch.tryLock();
                if (l == null) {
                    return false;
                }
                try {
                    return takeOverAndDelete(staging);
                } finally {
                    if (ch.isOpen()) {
                        l.release();
                    }
                }
            } catch (java.nio.channels.OverlappingFileLockException e) {
                return false;
            } catch (IOException e) {
                return true; // gone meanwhile: try again
            }
        }

        /** Renames a stale staging folder away (one racer wins the rename) and deletes it. */
        private static boolean takeOverAndDelete(Path staging) {
            Path aside = staging.resolveSibling(staging.getFileName() + ".stale-" + ProcessHandle.current().pid()
                    + "-" + System.nanoTime());
            try {
                Files.move(staging, aside, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                return true; // another worker took it over first: try to claim again
            }
            deleteTree(aside);
            return true;
        }

        /** Publishes the staging folder as {@code target} (one atomic rename, still holding the lock). */
        void publish(Path target) {
            try {
                if (Files.exists(target)) {
                    throw new FileAlreadyExistsException(target.toString());
                }
                Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
                published = true;
                Files.deleteIfExists(target.resolve(".lock"));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot publish " + target + ": " + e.getMessage(), e);
            }
        }

        void release() {
            try {
                if (!published) {
                    deleteTree(staging);
                }
                lock.release();
            } catch (IOException | RuntimeException e) {
                // closed below
            }
            try {
                channel.close();
            } catch (IOException e) {
                // the OS drops the lock with the process at the latest
            } finally {
                HELD.remove(staging.toAbsolutePath().normalize());
            }
        }
    }
}
