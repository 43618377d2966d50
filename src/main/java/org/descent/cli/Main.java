package org.descent.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import org.descent.train.TrainingDivergedException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code descent} command line. */
@Command(name = "descent", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Do transformers learn in context by gradient descent? Train linear-self-attention transformers, "
                + "build the gradient-descent constructions, compare, report.",
        subcommands = {VerifyCommand.class, TrainCommand.class, CompareCommand.class, BenchCommand.class,
                DatasetCommand.class, ReproduceCommand.class, ProbeCommand.class, ProbesCommand.class, CalibrateCommand.class,
                SweepCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    /** Exit code for bad input (arguments, configs, files). */
    public static final int EXIT_USAGE = 2;
    /** Exit code for a diverged training run. */
    public static final int EXIT_DIVERGED = 3;
    /** Exit code when a probe threw (the report is still written). */
    public static final int EXIT_PROBE_FAILED = 4;
    /** Exit code when the model under test gave NaN or infinite predictions (report written, no verdicts). */
    public static final int EXIT_NON_FINITE = 5;
    /** Exit code when finished work could not be written where asked (it was rescued elsewhere, or lost: see message). */
    public static final int EXIT_OUTPUT_FAILED = 6;
    /** Exit code when the verdict matched {@code --fail-on} (7 is {@code calibrate}'s miscalibration). */
    public static final int EXIT_VERDICT = 8;

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns the exit code (used by tests). */
    public static int run(String... args) {
        try (var invocation = org.descent.report.Invocation.record(args)) { // reports print the command line
            return commandLine().execute(args);
        }
    }

    /** The command line with its defaults, version, error messages and exit codes. */
    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        cli.setDefaultValueProvider(new ExperimentDefaults());
        // every command's -V/--version says what the top level says
        cli.getSubcommands().values().forEach(c -> c.getCommandSpec().versionProvider(new Version()));
        cli.setParameterExceptionHandler((ex, a) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            String message = ex instanceof CommandLine.UnmatchedArgumentException u ? unmatched(u) : ex.getMessage();
            err.println("descent: " + message + " (see '" + ex.getCommandLine().getCommandSpec().qualifiedName()
                    + " --help')");
            return EXIT_USAGE;
        });
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            PrintWriter err = cmd.getErr();
            if (ex instanceof TrainingDivergedException) {
                err.println("descent: " + ex.getMessage());
                return EXIT_DIVERGED;
            }
            if (ex instanceof org.descent.util.OutputFailedException) {
                err.println("descent: error: " + ex.getMessage());
                return EXIT_OUTPUT_FAILED;
            }
            if (ex instanceof org.descent.train.TrainingInterruptedException ti) {
                err.println("descent: " + ex.getMessage());
                return Interrupts.exitCode(ti.reason());
            }
            if (ex instanceof IllegalArgumentException || ex instanceof java.io.UncheckedIOException) {
                err.println("descent: error: " + ex.getMessage());
                return EXIT_USAGE;
            }
            if (outOfMemory(ex)) {
                err.println("descent: error: not enough memory for the requested sizes (" + firstLine(ex.getMessage())
                        + "); use a smaller --batch, --d or prompt count");
                return EXIT_USAGE;
            }
            throw ex;
        });
        return cli;
    }

    /**
     * An unknown command or option, named, with the closest known ones: "unknown command 'verfy'; did you mean
     * 'verify'?".
     */
    static String unmatched(CommandLine.UnmatchedArgumentException ex) {
        List<String> args = ex.getUnmatched();
        if (args.isEmpty()) {
            return ex.getMessage();
        }
        String first = args.get(0);
        CommandLine.Model.CommandSpec spec = ex.getCommandLine().getCommandSpec();
        boolean option = first.startsWith("-");
        if (option) {
            String name = first.contains("=") ? first.substring(0, first.indexOf('=')) : first;
            List<String> names = new ArrayList<>();
            spec.options().stream().filter(o -> !o.hidden()).forEach(o -> names.addAll(List.of(o.names())));
            return "unknown option '" + name + "'" + Suggestions.didYouMean(name, names);
        }
        if (!spec.subcommands().isEmpty()) {
            return "unknown command '" + first + "'" + Suggestions.didYouMean(first, spec.subcommands().keySet());
        }
        return "unexpected argument '" + first + "'" + (args.size() > 1 ? " (and " + (args.size() - 1) + " more)" : "");
    }

    /** An allocation failure in libtorch or the JVM that the memory estimate did not foresee. */
    static boolean outOfMemory(Throwable ex) {
        for (Throwable t = ex; t != null; t = t.getCause()) {
            if (t instanceof OutOfMemoryError) {
                return true;
            }
            if (t instanceof ai.djl.engine.EngineException && t.getMessage() != null
                    && t.getMessage().contains("allocate")) {
                return true;
            }
        }
        return false;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "no message";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** Prints descent's version and the git commit it was built from. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {org.descent.util.BuildInfo.summary()};
        }
    }
}
