package org.descent.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.descent.sweep.Cell;
import org.descent.sweep.CellRunner;
import org.descent.sweep.Executor;
import org.descent.sweep.LocalExecutor;
import org.descent.sweep.ResultsTable;
import org.descent.sweep.SlurmExecutor;
import org.descent.sweep.SweepDir;
import org.descent.sweep.SweepReport;
import org.descent.sweep.SweepSpec;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code descent sweep}: grids of runs (README "Sweeps"). */
@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = {"Run a grid of verify, compare, reproduce or probe runs from a JSON spec (axes over config keys "
                + "or options, zipped axes, seeds), locally or on Slurm; collect one results table and a report.",
                "Exit codes: 0 every cell ok, 2 a malformed spec (nothing runs), 9 some cells failed or are missing "
                        + "(the table and report are still written)."},
        subcommands = {SweepCommand.Plan.class, SweepCommand.Run.class, SweepCommand.CellCmd.class,
                SweepCommand.Collect.class, SweepCommand.Status.class, SweepCommand.Cancel.class})
final class SweepCommand implements Runnable {
    /** Exit code when a sweep finished with failed or missing cells. */
    static final int EXIT_INCOMPLETE = 9;

    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Where a sweep's folder is and which spec it came from. */
    static class Target {
        @Option(names = "--sweep-dir", paramLabel = "DIR",
                description = "The sweep's folder (default: reports/sweep-<name>, name from the spec).")
        Path sweepDir;

        @Option(names = "--models-dir", defaultValue = "models", paramLabel = "DIR",
                description = "Checkpoints and the run cache (default: ${DEFAULT-VALUE}); on a cluster, a shared "
                        + "folder.")
        Path modelsDir;

        Path dirFor(SweepSpec s) {
            return sweepDir != null ? sweepDir : Path.of("reports", "sweep-" + s.name());
        }
    }

    /** A loaded, fully checked spec and its cells. */
    record Planned(Path file, SweepSpec spec, List<Cell> cells) {}

    /** Reads the spec, expands it and checks every cell as its command would; any problem is exit 2. */
    static Planned plan(Path file) {
        SweepSpec s = SweepSpec.load(file);
        List<Cell> cells = s.cells();
        s.validateConfigs(cells);
        for (Cell c : cells) {
            List<String> args = new ArrayList<>();
            args.add(s.command());
            args.addAll(c.args());
            if (c.config() != null) {
                args.add("--config");
                args.add("cell.json");
            }
            try {
                Main.commandLine().parseArgs(args.toArray(String[]::new));
            } catch (CommandLine.ParameterException e) {
                String m = e instanceof CommandLine.UnmatchedArgumentException u ? Main.unmatched(u) : e.getMessage();
                throw new IllegalArgumentException(file + ": cell " + c.id() + " (" + c.label() + "): " + m);
            }
            if (s.command().equals("reproduce")) {
                String preset = c.args().stream().filter(a -> !a.startsWith("-")).findFirst().orElse(null);
                if (preset == null) {
                    throw new IllegalArgumentException(file + ": a reproduce sweep names its preset in \"args\"");
                }
                org.descent.experiment.reproduce.Presets.named(preset);
            }
        }
        return new Planned(file, s, cells);
    }

    /** JVM, libtorch, report figures: measured 8-12 s per small verify cell on 2 cores. */
    static final double CELL_STARTUP_SECONDS = 9;

    /** Rough seconds per cell on one core (README "Sweeps": the estimate). */
    static double estimateSeconds(SweepSpec s, Cell c) {
        double startup = CELL_STARTUP_SECONDS;
        switch (s.command()) {
            case "verify" -> {
                var cfg = org.descent.experiment.ExperimentConfig.fromJson(c.config(), "cell");
                double d = cfg.task().d() + 1;
                double n = cfg.task().n() + 1;
                double scale = (d / 11) * (d / 11) * (n / 11);
                double train = cfg.train().steps() * 2.4e-3 * cfg.train().batchSize() / 2048.0 * scale
                        * cfg.model().layers();
                double eval = 6.0 * (cfg.eval().testPrompts() / 10000.0) * scale * cfg.model().layers() + 1.0;
                return startup + train + eval;
            }
            case "reproduce" -> {
                String preset = c.args().stream().filter(a -> !a.startsWith("-")).findFirst().orElse("");
                // one seed per cell: seeds are cells
                return startup + org.descent.experiment.reproduce.Presets.named(preset).secondsPerSeed();
            }
            case "probe" -> {
                return startup + 30;
            }
            default -> {
                return startup + 8;
            }
        }
    }

    static void printPlan(Planned p, Path dir, int jobs, PrintWriter out) {
        SweepSpec s = p.spec();
        out.printf(Locale.ROOT, "sweep %s: descent %s, %d cell(s) = %s%d seed(s)%n", s.name(), s.command(),
                p.cells().size(), s.axes().stream().map(a -> a.values().size() + " (" + String.join("+", a.keys())
                        + ") × ").reduce("", String::concat), s.seeds());
        out.println("folder: " + dir);
        double total = 0;
        for (Cell c : p.cells()) {
            double e = estimateSeconds(s, c);
            total += e;
            out.printf(Locale.ROOT, "  %s  %-60s ~%.0f s%n", c.id(), c.label(), e);
        }
        out.printf(Locale.ROOT, "estimated cost: %.1f CPU-minutes (one core per cell); ~%.1f min wall with %d local "
                + "worker(s) (rough: from the default run's timings on a 2-core machine)%n", total / 60,
                total / 60 / Math.max(1, Math.min(jobs, p.cells().size())), jobs);
        out.flush();
    }

    @Command(name = "plan", mixinStandardHelpOptions = true,
            description = "Check a spec (every cell's config and options, as the command itself would) and print its "
                    + "cells and an estimated cost; runs nothing.")
    static final class Plan implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "SPEC", description = "The sweep spec (JSON).") Path file;
        @CommandLine.Mixin Target target;
        @Option(names = "--jobs", paramLabel = "J", description = "Local workers (default: the free cores).")
        Integer jobs;
        @Spec CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            Planned p = plan(file);
            printPlan(p, target.dirFor(p.spec()), jobs != null ? jobs : LocalExecutor.freeCores(),
                    spec.commandLine().getOut());
            return 0;
        }
    }

    @Command(name = "run", mixinStandardHelpOptions = true,
            description = {"Run a sweep's pending and failed cells (finished ones are kept), then collect the table "
                    + "and write the report. Re-running resumes; two runs of one sweep never run a cell twice.",
                    "Exit codes: 0 every cell ok; 2 malformed spec, nothing ran; 9 some cells failed or are missing."})
    static final class Run implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "SPEC", description = "The sweep spec (JSON).") Path file;
        @CommandLine.Mixin Target target;
        @Option(names = "--executor", defaultValue = "local", paramLabel = "local|slurm",
                description = "Where cells run (default: ${DEFAULT-VALUE}).")
        String executor;
        @Option(names = "--jobs", paramLabel = "J",
                description = "local: worker processes (default: the free cores, processors minus load average).")
        Integer jobs;
        @Option(names = "--no-cache", description = "Train every cell even when the run cache has its training.")
        boolean noCache;
        @Option(names = "--partition", paramLabel = "P", description = "slurm: partition.") String partition;
        @Option(names = "--time", paramLabel = "T", description = "slurm: time limit per task (e.g. 00:30:00).")
        String time;
        @Option(names = "--gpus-per-task", paramLabel = "G", description = "slurm: GPUs per task.") Integer gpus;
        @Option(names = "--cpus-per-task", paramLabel = "C", description = "slurm: CPUs per task (default 1).")
        Integer cpus;
        @Option(names = "--mem", paramLabel = "M", description = "slurm: memory per node (e.g. 8G).") String mem;
        @Option(names = "--max-parallel", paramLabel = "K", description = "slurm: at most K tasks at once (%K).")
        Integer maxParallel;
        @Option(names = "--setup", paramLabel = "FILE",
                description = "slurm: a shell file each task sources first (module load, PYTORCH_LIBRARY_PATH, ...).")
        Path setup;
        @Option(names = "--sbatch-arg", paramLabel = "ARG", description = "slurm: an extra #SBATCH line (repeatable).")
        List<String> sbatchArgs = new ArrayList<>();
        @Option(names = "--no-wait", description = "slurm: return after submitting (collect later).")
        boolean noWait;
        @Spec CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            if (!executor.equals("local") && !executor.equals("slurm")) {
                throw new IllegalArgumentException("--executor is local or slurm, got \"" + executor + "\""
                        + Suggestions.didYouMean(executor, List.of("local", "slurm")));
            }
            if (setup != null && !Files.isRegularFile(setup)) {
                throw new IllegalArgumentException("--setup " + setup + ": no such file");
            }
            long t0 = System.nanoTime();
            Planned p = plan(file);
            Path dir = target.dirFor(p.spec());
            int j = jobs != null ? jobs : LocalExecutor.freeCores();
            if (jobs != null && jobs < 1) {
                throw new IllegalArgumentException("--jobs must be at least 1, got " + jobs);
            }
            SweepDir sweep = SweepDir.create(dir, file, p.spec(), p.cells(), target.modelsDir);
            List<Integer> todo = new ArrayList<>();
            for (int i = 0; i < sweep.size(); i++) {
                if (sweep.state(i) != SweepDir.State.OK) {
                    todo.add(i);
                }
            }
            out.printf(Locale.ROOT, "sweep %s: %d cell(s), %d finished, %d to run (%s executor%s); folder %s%n",
                    sweep.name(), sweep.size(), sweep.size() - todo.size(), todo.size(), executor,
                    executor.equals("local") ? ", " + j + " worker(s)" : "", dir);
            out.flush();
            boolean finished = true;
            if (!todo.isEmpty()) {
                Executor ex = executor.equals("local") ? new LocalExecutor(j)
                        : new SlurmExecutor(new SlurmExecutor.Options(partition, time, gpus, cpus, mem, maxParallel,
                                setup, sbatchArgs, !noWait));
                try {
                    finished = ex.execute(sweep, todo, noCache, err);
                } catch (IllegalStateException e) {
                    err.println("descent: error: " + e.getMessage());
                    return 1;
                }
            }
            if (!finished) {
                out.println("submitted; follow with: descent sweep status " + dir + "; then: descent sweep collect "
                        + dir);
                return 0;
            }
            int code = collect(sweep, out);
            out.printf(Locale.ROOT, "total time: %.1f s%n", (System.nanoTime() - t0) / 1e9);
            out.flush();
            return code;
        }
    }

    /** Writes the table and the report; returns 0 when every cell is ok, else {@link #EXIT_INCOMPLETE}. */
    static int collect(SweepDir sweep, PrintWriter out) {
        ResultsTable table = ResultsTable.collect(sweep);
        table.write(sweep);
        Path report = SweepReport.write(sweep, table);
        long ok = table.rows().stream().filter(r -> "ok".equals(r.get("status"))).count();
        long failed = table.rows().stream().filter(r -> "failed".equals(r.get("status"))).count();
        long missing = table.rows().size() - ok - failed;
        out.printf(Locale.ROOT, "cells: %d ok, %d failed, %d missing (of %d)%n", ok, failed, missing,
                table.rows().size());
        for (Map<String, Object> r : table.rows()) {
            if (!"ok".equals(r.get("status"))) {
                out.printf(Locale.ROOT, "  %s %s  %s: %s%n", r.get("cell_id"), r.get("status"),
                        sweep.cell(((Number) r.get("cell")).intValue()).path("label").asText(), r.get("error"));
            }
        }
        out.println("table: " + sweep.dir().resolve("results.csv") + " and " + sweep.dir().resolve("results.feather")
                + " (" + table.columns().size() + " columns)");
        out.println("report: " + report.resolve("report.html"));
        out.flush();
        return ok == table.rows().size() ? 0 : EXIT_INCOMPLETE;
    }
    /** The sweep a command acts on: its folder, or its spec with the folder given by {@code --sweep-dir}. */
    static final class SweepTarget {
        @Parameters(index = "0", paramLabel = "DIR|SPEC", description = "The sweep folder, or its spec.") Path arg;
        @Option(names = "--sweep-dir", paramLabel = "DIR", description = "The sweep folder (with a SPEC).")
        Path sweepDir;

        SweepDir open() {
            return SweepCommand.open(arg, sweepDir);
        }
    }


    /** A sweep folder named directly, or the default folder of a spec file. */
    static SweepDir open(Path arg, Path sweepDir) {
        if (sweepDir != null) {
            return SweepDir.open(sweepDir);
        }
        if (Files.isDirectory(arg)) {
            return SweepDir.open(arg);
        }
        SweepSpec s = SweepSpec.load(arg);
        return SweepDir.open(Path.of("reports", "sweep-" + s.name()));
    }

    @Command(name = "cell", mixinStandardHelpOptions = true,
            description = {"Run one cell of a sweep folder (what the executors start; a Slurm array task runs "
                    + "'descent sweep cell DIR $SLURM_ARRAY_TASK_ID'). A finished cell or one a live worker holds is "
                    + "left alone.", "Exit codes: 0 ok, already done or held by another worker; 9 the cell failed "
                    + "(recorded with its error); 130/143 stopped by a signal (nothing recorded)."})
    static final class CellCmd implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "DIR", description = "The sweep folder.") Path dir;
        @Parameters(index = "1", paramLabel = "INDEX", description = "The cell index (0-based).") int index;
        @Option(names = "--no-cache", description = "Train even when the run cache has this training.")
        boolean noCache;
        @Spec CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            SweepDir sweep = SweepDir.open(dir);
            PrintWriter out = spec.commandLine().getOut();
            java.io.PrintStream console = System.err;
            CellRunner.Result r = CellRunner.run(sweep, index, noCache, args -> Main.run(args.toArray(String[]::new)),
                    console);
            out.printf(Locale.ROOT, "cell %s: %s%s%n", Cell.id(index), r.outcome().name().toLowerCase(Locale.ROOT),
                    r.error() == null ? "" : " (" + r.error() + ")");
            out.flush();
            return switch (r.outcome()) {
                case OK, DONE, BUSY -> 0;
                case FAILED -> EXIT_INCOMPLETE;
                case INTERRUPTED -> r.exitCode();
            };
        }
    }

    @Command(name = "collect", mixinStandardHelpOptions = true,
            description = {"Write the results table (results.csv, results.feather) and the report of a sweep folder "
                    + "(sweep run does this at its end).", "Exit codes: 0 every cell ok; 9 some failed or missing."})
    static final class Collect implements Callable<Integer> {
        @Mixin SweepTarget target;
        @Spec CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            return collect(target.open(), spec.commandLine().getOut());
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Cells by state (ok, failed, running, stale, pending) from the folders, and the Slurm jobs "
                    + "of the sweep in squeue / sacct when Slurm is installed.")
    static final class Status implements Callable<Integer> {
        @Mixin SweepTarget target;
        @Spec CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            SweepDir sweep = target.open();
            PrintWriter out = spec.commandLine().getOut();
            Map<SweepDir.State, Integer> c = sweep.counts();
            out.printf(Locale.ROOT, "sweep %s: %d cell(s): %d ok, %d failed, %d running, %d stale (worker gone), %d "
                    + "pending%n", sweep.name(), sweep.size(), c.get(SweepDir.State.OK), c.get(SweepDir.State.FAILED),
                    c.get(SweepDir.State.RUNNING), c.get(SweepDir.State.STALE), c.get(SweepDir.State.PENDING));
            for (int i = 0; i < sweep.size(); i++) {
                SweepDir.State s = sweep.state(i);
                if (s != SweepDir.State.OK) {
                    var rec = sweep.record(i);
                    out.printf(Locale.ROOT, "  %s %-7s %s%s%n", Cell.id(i), s.name().toLowerCase(Locale.ROOT),
                            sweep.cell(i).path("label").asText(), rec == null ? "" : ": " + rec.path("error").asText());
                }
            }
            List<String> jobs = SlurmExecutor.jobs(sweep);
            if (!jobs.isEmpty()) {
                String list = String.join(",", jobs);
                SlurmExecutor.Cmd q = SlurmExecutor.Cmd.run(List.of("squeue", "-h", "-j", list, "-o",
                        "%i %T %M %R"), 60);
                out.println("slurm jobs " + list + ", squeue:" + (q.code() == 0 ? (q.output().isBlank()
                        ? " none queued or running" : "\n" + q.output().stripTrailing()) : " (" + q.output().strip()
                        + ")"));
                SlurmExecutor.Cmd a = SlurmExecutor.Cmd.run(List.of("sacct", "-n", "-X", "-j", list, "-o",
                        "JobID,State,ExitCode,Elapsed"), 60);
                if (a.code() == 0 && !a.output().isBlank()) {
                    out.println("sacct:\n" + a.output().stripTrailing());
                }
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "cancel", mixinStandardHelpOptions = true,
            description = "Cancel a sweep: scancel its Slurm jobs, and stop a local 'sweep run' (SIGTERM; its workers "
                    + "stop and leave their cells pending). Finished cells stay; 'sweep run' resumes.")
    static final class Cancel implements Callable<Integer> {
        @Mixin SweepTarget target;
        @Spec CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            SweepDir sweep = target.open();
            PrintWriter out = spec.commandLine().getOut();
            List<String> jobs = SlurmExecutor.jobs(sweep);
            if (!jobs.isEmpty()) {
                SlurmExecutor.Cmd r = SlurmExecutor.Cmd.run(concat(List.of("scancel"), jobs), 60);
                out.println("scancel " + String.join(" ", jobs) + ": " + (r.code() == 0 ? "done" : "exit " + r.code()
                        + " " + r.output().strip()));
            }
            Path local = sweep.dir().resolve("local-run.json");
            if (Files.isRegularFile(local)) {
                var j = org.descent.util.Json.mapper().readTree(local.toFile());
                long pid = j.path("pid").asLong(-1);
                var ph = ProcessHandle.of(pid).filter(h -> h.info().commandLine().orElse("").contains("sweep"));
                if (ph.isPresent() && j.path("host").asText().equals(hostName())) {
                    ph.get().destroy();
                    out.println("stopped the local sweep run (pid " + pid + ")");
                }
            }
            out.flush();
            return 0;
        }

        private static String hostName() {
            String h = System.getenv("HOSTNAME");
            try {
                return h != null && !h.isBlank() ? h : java.net.InetAddress.getLocalHost().getHostName();
            } catch (java.io.IOException e) {
                return "unknown";
            }
        }

        private static List<String> concat(List<String> a, List<String> b) {
            List<String> out = new ArrayList<>(a);
            out.addAll(b);
            return out;
        }
    }
}
