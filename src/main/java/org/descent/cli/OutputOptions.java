package org.descent.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where a command writes and how much it says while working; each command takes the ones it uses. */
final class OutputOptions {
    private OutputOptions() {}

    /** {@code --models-dir}: a command that writes or resumes checkpoints. */
    static final class Models {
        static final Path DEFAULT = Path.of("models");

        @Option(names = "--models-dir", defaultValue = "models", paramLabel = "DIR",
                description = "Root of checkpoint folders (default: ${DEFAULT-VALUE}).")
        Path dir;
    }

    /** {@code --reports-dir}: a command that writes a report. */
    static final class Reports {
        static final Path DEFAULT = Path.of("reports");

        @Option(names = "--reports-dir", defaultValue = "reports", paramLabel = "DIR",
                description = "Root of report folders (default: ${DEFAULT-VALUE}).")
        Path dir;
    }

    /** {@code -q}: a command with a progress display. */
    static final class Quiet {
        @Option(names = {"-q", "--quiet"},
                description = "Print no progress on standard error (default: progress is printed).")
        boolean quiet;
    }
}
