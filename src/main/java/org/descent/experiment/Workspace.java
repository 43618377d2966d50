package org.descent.experiment;

import ai.djl.Device;
import java.nio.file.Path;

/**
 * Where a run reads and writes, and which device it computes on.
 *
 * @param modelsDir root of checkpoint folders ({@code models/})
 * @param reportsDir root of report folders ({@code reports/})
 * @param device every tensor of the run lives here
 */
public record Workspace(Path modelsDir, Path reportsDir, Device device) {}
