package org.descent.util;

import ai.djl.Device;
import ai.djl.engine.Engine;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Where an artifact came from: software versions, git commit, machine, device and threads. Goes into every
 * {@code manifest.json} as {@code provenance} (README, "Output schema"): {@code created}, {@code descent_version},
 * {@code git_commit}, {@code engine}, {@code engine_version}, {@code djl_version}, {@code ejml_version}, {@code java},
 * {@code os}, {@code cpus}, {@code device}, {@code torch_threads}, {@code torch_interop_threads}, {@code mkl_cbwr}.
 */
public final class Provenance {
    private Provenance() {}

    /** Version of descent itself ({@link BuildInfo#version()}). */
    public static String descentVersion() {
        return BuildInfo.version();
    }

    /** Collects the provenance record for a run on {@code device}. */
    public static Map<String, Object> collect(Device device) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("created", OffsetDateTime.now().toString());
        out.put("descent_version", descentVersion());
        out.put("git_commit", gitCommit());
        Engine engine = Engine.getInstance();
        out.put("engine", engine.getEngineName());
        out.put("engine_version", engine.getVersion());
        out.put("djl_version", Engine.getDjlVersion());
        out.put("ejml_version", org.ejml.EjmlVersion.VERSION);
        out.put("java", System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")");
        out.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        out.put("cpus", Runtime.getRuntime().availableProcessors());
        out.put("cpu_model", cpuModel());
        out.put("device", device.toString());
        out.put("torch_threads", System.getProperty("ai.djl.pytorch.num_threads", "default"));
        out.put("torch_interop_threads", System.getProperty("ai.djl.pytorch.num_interop_threads", "default"));
        out.put("mkl_cbwr", System.getenv().getOrDefault("MKL_CBWR", "unset"));
        return out;
    }

    /**
     * The commit descent was built from ({@link BuildInfo#commit()}) plus "-dirty" when tracked files had changes; for
     * a build that recorded none, {@code git rev-parse HEAD} of the current folder; "unknown" outside a repository.
     */
    public static String gitCommit() {
        if (!BuildInfo.commit().equals(BuildInfo.UNKNOWN)) {
            return BuildInfo.commit() + (BuildInfo.dirty() ? "-dirty" : "");
        }
        String head = run("git", "rev-parse", "HEAD");
        if (head == null || head.isBlank()) {
            return "unknown";
        }
        String status = run("git", "status", "--porcelain", "--untracked-files=no");
        return head.trim() + (status != null && !status.isBlank() ? "-dirty" : "");
    }

    /** The CPU's model name from /proc/cpuinfo ("unknown" elsewhere): timings are only comparable on one CPU. */
    public static String cpuModel() {
        try (var lines = java.nio.file.Files.lines(java.nio.file.Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("model name")).map(l -> l.substring(l.indexOf(':') + 1).trim())
                    .findFirst().orElse("unknown");
        } catch (IOException | java.io.UncheckedIOException e) {
            return "unknown";
        }
    }

    private static String run(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(5, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return null;
            }
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
