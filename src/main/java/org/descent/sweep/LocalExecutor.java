package org.descent.sweep;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.atomic.AtomicInteger;
import org.descent.util.AtomicFiles;
import org.descent.util.Json;

/**
 * Runs cells in worker processes on this machine ({@code descent sweep cell DIR INDEX}, one libtorch thread each),
 * {@link #jobs} at a time, printing one line per finished cell. A worker that dies without publishing its cell
 * (killed, crashed JVM) has the cell recorded as failed with its exit code; a cell another live process holds is
 * waited for. SIGINT/SIGTERM stop the workers (their cells stay pending; a re-run does them).
 */
public final class LocalExecutor implements Executor {
    private final int jobs;

    public LocalExecutor(int jobs) {
        this.jobs = Math.max(1, jobs);
    }

    /** Workers for the free cores: the processors minus the 1-minute load average, at least 1. */
    public static int freeCores() {
        int cpus = Runtime.getRuntime().availableProcessors();
        double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        if (load < 0) {
            return cpus;
        }
        return (int) Math.max(1, Math.min(cpus, Math.round(cpus - load)));
    }

    public int jobs() {
        return jobs;
    }

    @Override
    public String name() {
        return "local";
    }

    @Override
    public boolean execute(SweepDir sweep, List<Integer> cells, boolean noCache, PrintWriter err) {
        LinkedBlockingDeque<Integer> queue = new LinkedBlockingDeque<>(cells);
        Set<Process> live = ConcurrentHashMap.newKeySet();
        AtomicInteger done = new AtomicInteger();
        int total = cells.size();
        Thread hook = new Thread(() -> live.forEach(Process::destroy));
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            Files.createDirectories(sweep.dir().resolve("logs"));
            AtomicFiles.writeString(sweep.dir().resolve("local-run.json"), Json.write(Map.of("executor", "local",
                    "pid", ProcessHandle.current().pid(), "host", CellRunner.host(), "jobs", jobs)));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot write into " + sweep.dir() + ": " + e.getMessage(), e);
        }
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < Math.min(jobs, Math.max(1, total)); w++) {
            Thread t = new Thread(() -> {
                Integer index;
                while ((index = queue.poll()) != null) {
                    runOne(sweep, index, noCache, live, queue, done, total, err);
                }
            }, "sweep-worker-" + w);
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                live.forEach(Process::destroy);
                return true;
            }
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // shutting down
        }
        return true;
    }

    private void runOne(SweepDir sweep, int index, boolean noCache, Set<Process> live,
            LinkedBlockingDeque<Integer> queue, AtomicInteger done, int total, PrintWriter err) {
        SweepDir.State before = sweep.state(index);
        if (before == SweepDir.State.OK) {
            line(err, done.incrementAndGet(), total, sweep, index, "already done", null);
            return;
        }
        if (before == SweepDir.State.RUNNING) {
            sleep(2000); // another process holds it: look again later
            queue.addLast(index);
            return;
        }
        Path log = sweep.dir().resolve("logs").resolve("worker-" + Cell.id(index) + ".log");
        long t0 = System.nanoTime();
        int code;
        try {
            ProcessBuilder pb = new ProcessBuilder(WorkerCommand.forCell(sweep.dir(), index, noCache));
            pb.redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().putIfAbsent("MKL_CBWR", "AUTO");
            pb.environment().put("DJL_OFFLINE", "true");
            Process p = pb.start();
            live.add(p);
            try {
                code = p.waitFor();
            } finally {
                live.remove(p);
            }
        } catch (IOException e) {
            code = -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        double s = (System.nanoTime() - t0) / 1e9;
        SweepDir.State after = sweep.state(index);
        switch (after) {
            case OK -> line(err, done.incrementAndGet(), total, sweep, index, String.format(Locale.ROOT, "ok (%.1f s)",
                    s), null);
            case FAILED -> line(err, done.incrementAndGet(), total, sweep, index, String.format(Locale.ROOT,
                    "FAILED (%.1f s)", s), sweep.record(index).path("error").asText(null));
            case RUNNING -> {
                queue.addLast(index); // another process claimed it first: wait for it
                sleep(2000);
            }
            default -> {
                if (code == 130 || code == 143) {
                    line(err, done.incrementAndGet(), total, sweep, index, "stopped (signal); stays pending", null);
                } else {
                    String why = "worker exited with code " + code + (code == 137 ? " (killed: SIGKILL or out of memory)"
                            : "") + " before finishing the cell; its output: " + log;
                    CellRunner.recordFailure(sweep, index, code, why);
                    line(err, done.incrementAndGet(), total, sweep, index, "FAILED", why);
                }
            }
        }
    }

    private static synchronized void line(PrintWriter err, int k, int total, SweepDir sweep, int index, String what,
            String error) {
        err.printf(Locale.ROOT, "[%d/%d] cell %s %s  %s%n", k, total, Cell.id(index), what,
                sweep.cell(index).path("label").asText());
        if (error != null) {
            err.println("        " + error);
        }
        err.flush();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
