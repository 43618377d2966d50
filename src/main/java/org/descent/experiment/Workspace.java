package org.descent.experiment;

import ai.djl.Device;
import java.nio.file.Path;
import java.util.List;

/**
 * Where a run reads and writes, which device it computes on, and the command line that started it (recorded in every
 * manifest it writes).
 *
 * @param modelsDir root of checkpoint folders ({@code models/})
 * @param reportsDir root of report folders ({@code reports/})
 * @param device every tensor of the run lives here
 * @param command the full command line ({@code ["descent", "verify", ...]}), or null for a run started from Java code
 */
public record Workspace(Path modelsDir, Path reportsDir, Device device, List<String> command) {

    public Workspace {
        command = command == null ? null : List.copyOf(command);
    }

    /** A workspace for a run started from Java code (manifests record {@code "command": null}). */
    public Workspace(Path modelsDir, Path reportsDir, Device device) {
        this(modelsDir, reportsDir, device, null);
    }

    /** The same workspace for a run started by {@code command}. */
    public Workspace withCommand(List<String> command) {
        return new Workspace(modelsDir, reportsDir, device, command);
    }
}
