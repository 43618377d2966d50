package org.descent.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.descent.probe.ProbeRegistry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code descent probes --list}: the installed probes, built-in and drop-in, with their parameters. */
@Command(name = "probes", mixinStandardHelpOptions = true,
        description = "List the installed probes (built-in and jars dropped into the probes folder) with their "
                + "parameters and defaults.")
final class ProbesCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--list", description = "List the installed probes (the default action).")
    boolean list;

    @Option(names = "--probes-dir", defaultValue = "probes", paramLabel = "DIR",
            description = "Folder of drop-in probe jars (default: ${DEFAULT-VALUE}).")
    Path probesDir;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (ProbeRegistry registry = ProbeRegistry.discover(probesDir)) {
            for (ProbeRegistry.Installed i : registry.installed()) {
                out.printf("%-22s %s%n", i.probe().name(), i.origin());
                out.printf("    %s%n", i.probe().description());
                Map<String, Object> params = i.probe().defaultParameters();
                if (!params.isEmpty()) {
                    out.printf("    parameters: %s%n", params.entrySet().stream()
                            .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(", ")));
                }
            }
            registry.warnings().forEach(out::println);
            for (Path jar : registry.jarsWithoutProbes()) {
                out.printf("note: %s provides no probe (does it list its classes in "
                        + "META-INF/services/org.descent.probe.Probe?)%n", jar);
            }
            out.printf("%d probes (%d from jars in %s)%n", registry.installed().size(),
                    registry.installed().stream().filter(i -> !i.builtIn()).count(), probesDir);
        }
        return 0;
    }
}
