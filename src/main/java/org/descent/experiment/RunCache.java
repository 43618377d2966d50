package org.descent.experiment;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.descent.train.Checkpoints;
import org.descent.util.AtomicFiles;
import org.descent.util.BuildInfo;
import org.descent.util.Json;

/**
 * The run cache: a finished training is identified by what determines its weights — the task, model and training
 * config (seed included), the device kind and the code version — and a later run asking for the same training reuses
 * the checkpoint instead of training again (README "Sweeps", "The run cache").
 *
 * <p>The index lives beside the checkpoints: {@code <models>/.run-cache/<key>.json}, one small JSON file per
 * training, naming its checkpoint folder. A hit is trusted only after the checkpoint loads (checksums, finite
 * weights) and its manifest's config equals the one asked for; anything else is a miss, with the reason.
 *
 * <p>The code version is the git commit when the build was clean; a build with local changes ({@code -dirty}) is
 * identified by a SHA-256 over its compiled classes instead, so an edited descent never reuses a training of other
 * code.
 */
public final class RunCache {
    /** Folder of the index, under the models folder. */
    public static final String FOLDER = ".run-cache";

    private static volatile String codeVersion;

    private RunCache() {}

    /** A checkpoint found for a config: its folder, its loaded state and the original training's timings. */
    public record Hit(Path checkpoint, Checkpoints.Loaded loaded, double trainSeconds, double medianStepMs) {}

    /** The outcome of a lookup: a hit, or null with the reason a present entry was not used (null when absent). */
    public record Lookup(Hit hit, String missReason) {}

    /**
     * The key of a training: SHA-256 of the canonical JSON of {@code {task, model, train, device, code}}. The eval
     * section does not change the weights and is left out.
     */
    public static String key(ExperimentConfig cfg, Device device) {
        Map<String, Object> id = new LinkedHashMap<>();
        id.put("task", cfg.task());
        id.put("model", cfg.model());
        id.put("train", cfg.train());
        id.put("device", device.getDeviceType());
        id.put("code", codeVersion());
        JsonNode tree = Json.mapper().valueToTree(id);
        return sha256(canonical(tree).getBytes(StandardCharsets.UTF_8));
    }

    /** The code version trainings are keyed on (see the class comment). */
    public static String codeVersion() {
        String v = codeVersion;
        if (v == null) {
            String commit = BuildInfo.commit();
            v = !commit.equals(BuildInfo.UNKNOWN) && !BuildInfo.dirty() ? commit
                    : commit + (BuildInfo.dirty() ? "-dirty" : "") + "+classes:" + classesDigest();
            codeVersion = v;
        }
        return v;
    }

    /** Looks {@code cfg} up; a present entry that cannot be used is a miss with the reason. */
    public static Lookup lookup(Path modelsDir, ExperimentConfig cfg, Device device, NDManager manager) {
        Path entry = entry(modelsDir, cfg, device);
        if (!Files.isRegularFile(entry)) {
            return new Lookup(null, null);
        }
        try {
            JsonNode e = Json.mapper().readTree(entry.toFile());
            Path ckpt = modelsDir.resolve(e.path("checkpoint").asText("?"));
            if (!Files.isDirectory(ckpt)) {
                return new Lookup(null, "its checkpoint " + ckpt + " is gone");
            }
            Checkpoints.Loaded loaded = Checkpoints.load(ckpt, manager);
            var m = loaded.manifest();
            if (!m.task().equals(cfg.task()) || !m.model().equals(cfg.model()) || !m.train().equals(cfg.train())) {
                return new Lookup(null, "the checkpoint " + ckpt + " was trained on another config");
            }
            if (loaded.state().step() != cfg.train().steps()) {
                return new Lookup(null, "the checkpoint " + ckpt + " is at step " + loaded.state().step() + ", not "
                        + cfg.train().steps());
            }
            return new Lookup(new Hit(ckpt, loaded, e.path("train_s").asDouble(Double.NaN),
                    e.path("train_step_ms_median").asDouble(Double.NaN)), null);
        } catch (IOException | IllegalArgumentException | UncheckedIOException ex) {
            return new Lookup(null, "cannot use " + entry + ": " + ex.getMessage());
        }
    }

    /** Records a finished training (atomically; a concurrent identical record is harmless). Best effort. */
    public static void record(Path modelsDir, ExperimentConfig cfg, Device device, Path checkpoint, double trainSeconds,
            double medianStepMs) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("key", key(cfg, device));
        e.put("checkpoint", modelsDir.toAbsolutePath().normalize().relativize(checkpoint.toAbsolutePath().normalize())
                .toString());
        e.put("code_version", codeVersion());
        e.put("device", device.getDeviceType());
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("task", cfg.task());
        config.put("model", cfg.model());
        config.put("train", cfg.train());
        e.put("config", config);
        e.put("train_s", trainSeconds);
        e.put("train_step_ms_median", medianStepMs);
        e.put("created", Instant.now().toString());
        try {
            Files.createDirectories(modelsDir.resolve(FOLDER));
            AtomicFiles.writeString(entry(modelsDir, cfg, device), Json.write(e));
        } catch (IOException | UncheckedIOException ex) {
            // the cache is an optimisation: a run that cannot record itself simply trains again next time
        }
    }

    static Path entry(Path modelsDir, ExperimentConfig cfg, Device device) {
        return modelsDir.resolve(FOLDER).resolve(key(cfg, device) + ".json");
    }

    /** JSON with object keys sorted at every level, no whitespace. */
    static String canonical(JsonNode node) {
        if (node.isObject()) {
            ObjectNode sorted = Json.mapper().createObjectNode();
            List<String> names = new java.util.ArrayList<>();
            node.fieldNames().forEachRemaining(names::add);
            names.sort(null);
            StringBuilder sb = new StringBuilder("{");
            for (String n : names) {
                sb.append(sb.length() > 1 ? "," : "").append(sorted.textNode(n).toString()).append(':')
                        .append(canonical(node.get(n)));
            }
            return sb.append('}').toString();
        }
        if (node.isArray()) {
            StringBuilder sb = new StringBuilder("[");
            for (JsonNode c : node) {
                sb.append(sb.length() > 1 ? "," : "").append(canonical(c));
            }
            return sb.append(']').toString();
        }
        return node.toString();
    }

    /** SHA-256 over the compiled classes descent runs from (a folder's .class files in name order, or its jar). */
    private static String classesDigest() {
        try {
            Path where = Path.of(RunCache.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            if (Files.isDirectory(where)) {
                try (Stream<Path> files = Files.walk(where)) {
                    for (Path p : files.filter(f -> f.toString().endsWith(".class")).sorted().toList()) {
                        md.update(where.relativize(p).toString().getBytes(StandardCharsets.UTF_8));
                        md.update(Files.readAllBytes(p));
                    }
                }
            } else {
                try (InputStream in = Files.newInputStream(where)) {
                    md.update(in.readAllBytes());
                }
            }
            return HexFormat.of().formatHex(md.digest()).substring(0, 16);
        } catch (IOException | URISyntaxException | NoSuchAlgorithmException | RuntimeException e) {
            return "unidentified-" + ProcessHandle.current().pid(); // never matches another process: no reuse
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
