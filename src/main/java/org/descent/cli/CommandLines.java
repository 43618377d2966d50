package org.descent.cli;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;

/** The full command line of a run, as recorded in its manifests. */
final class CommandLines {
    private CommandLines() {}

    /** {@code ["descent", <every argument as given>]} for the command {@code spec} belongs to. */
    static List<String> of(CommandSpec spec) {
        List<String> out = new ArrayList<>();
        out.add("descent");
        out.addAll(spec.root().commandLine().getParseResult().originalArgs());
        return out;
    }
}
