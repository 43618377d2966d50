package org.descent.sweep;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line that starts a cell worker: this JVM's java, class path and the flags descent runs with (serial
 * GC, headless, DJL offline, one libtorch thread, Arrow's add-opens), then {@code org.descent.cli.Main sweep cell}.
 */
public final class WorkerCommand {
    private WorkerCommand() {}

    /** JVM flags every worker gets. */
    public static List<String> jvmFlags() {
        List<String> f = new ArrayList<>(List.of("-XX:+UseSerialGC", "-Xmn32m", "-Djava.awt.headless=true",
                "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=1", "-Dai.djl.pytorch.num_interop_threads=1",
                "--add-opens=java.base/java.nio=ALL-UNNAMED"));
        String extra = System.getenv("DESCENT_WORKER_JAVA_OPTS");
        if (extra != null && !extra.isBlank()) {
            f.addAll(List.of(extra.trim().split("\\s+")));
        }
        return f;
    }

    /** The java executable of this JVM. */
    public static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** This JVM's class path, absolute. */
    public static String classPath() {
        List<String> parts = new ArrayList<>();
        for (String p : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            if (p.isEmpty()) {
                continue;
            }
            boolean star = p.endsWith("*");
            String base = star ? p.substring(0, p.length() - 1) : p;
            String abs = Path.of(base.isEmpty() ? "." : base).toAbsolutePath().normalize().toString();
            parts.add(star ? abs + "/*" : abs);
        }
        return String.join(java.io.File.pathSeparator, parts);
    }

    /** {@code java <flags> -cp <cp> org.descent.cli.Main sweep cell DIR INDEX [--no-cache]}. */
    public static List<String> forCell(Path sweepDir, int index, boolean noCache) {
        List<String> cmd = new ArrayList<>();
        cmd.add(java());
        cmd.addAll(jvmFlags());
        cmd.add("-cp");
        cmd.add(classPath());
        cmd.add("org.descent.cli.Main");
        cmd.add("sweep");
        cmd.add("cell");
        cmd.add(sweepDir.toAbsolutePath().toString());
        cmd.add(Integer.toString(index));
        if (noCache) {
            cmd.add("--no-cache");
        }
        return cmd;
    }
}
