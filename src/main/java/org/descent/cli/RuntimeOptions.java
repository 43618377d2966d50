package org.descent.cli;

import org.descent.experiment.Workspace;
import picocli.CommandLine.Option;

/** Device, threads and the memory check: the runtime options of a command that estimates its memory first. */
final class RuntimeOptions extends EngineOptions {
    @Option(names = "--skip-memory-check",
            description = "Run even when the memory estimated from the shapes exceeds this machine's memory (default: "
                    + "check, and refuse with exit 2).")
    boolean skipMemoryCheck;

    /** The workspace of a command that writes neither checkpoints nor reports (only its device matters). */
    Workspace workspace() {
        return workspace(null, null);
    }
}
