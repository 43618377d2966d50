package org.descent.cli;

import java.io.PrintWriter;
import org.descent.train.TrainingDivergedException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code descent} command line. */
@Command(name = "descent", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Do transformers learn in context by gradient descent? Train linear-self-attention transformers, "
                + "build the gradient-descent constructions, compare, report.",
        subcommands = {VerifyCommand.class, TrainCommand.class, CompareCommand.class, BenchCommand.class,
                DatasetCommand.class, ReproduceCommand.class, ProbeCommand.class, ProbesCommand.class, CalibrateCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    /** Exit code for bad input (arguments, configs, files). */
    public static final int EXIT_USAGE = 2;
    /** Exit code for a diverged training run. */
    public static final int EXIT_DIVERGED = 3;

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns the exit code (used by tests). */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setParameterExceptionHandler((ex, a) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("descent: " + ex.getMessage() + " (see '" + ex.getCommandLine().getCommandSpec().qualifiedName()
                    + " --help')");
            return EXIT_USAGE;
        });
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            PrintWriter err = cmd.getErr();
            if (ex instanceof TrainingDivergedException) {
                err.println("descent: " + ex.getMessage());
                return EXIT_DIVERGED;
            }
            if (ex instanceof IllegalArgumentException || ex instanceof java.io.UncheckedIOException) {
                err.println("descent: error: " + ex.getMessage());
                return EXIT_USAGE;
            }
            throw ex;
        });
        return cli.execute(args);
    }

    /** Prints descent's version. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"descent " + org.descent.util.Provenance.descentVersion()};
        }
    }
}
