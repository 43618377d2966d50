package org.descent.util;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * A run's output folder ({@code <root>/<run-id>/}), built under a hidden staging name and published with one atomic
 * rename, so a folder that exists is complete and an earlier run is never overwritten. A killed run leaves only a
 * hidden {@code .<run-id>.partial} folder behind.
 */
public final class RunDirectory {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");
    private final Path root;
    private final String runId;
    private final Path staging;
    private boolean published;

    private RunDirectory(Path root, String runId) throws IOException {
        this.root = root;
        this.runId = runId;
        Files.createDirectories(root);
        this.staging = Files.createDirectory(root.resolve("." + runId + ".partial"));
    }

    /** A new run id of the form {@code 20261122-081500-verify-3f9a} and its staging folder under {@code root}. */
    public static RunDirectory create(Path root, String kind) {
        for (int attempt = 0; attempt < 20; attempt++) {
            String id = LocalDateTime.now().format(STAMP) + "-" + kind + "-"
                    + String.format("%04x", ThreadLocalRandom.current().nextInt(1 << 16));
            if (Files.exists(root.resolve(id))) {
                continue;
            }
            try {
                return new RunDirectory(root, id);
            } catch (FileAlreadyExistsException e) {
                // another process picked the same id: draw again
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create a run folder under " + root + ": " + e.getMessage(), e);
            }
        }
        throw new IllegalStateException("cannot find a fresh run id under " + root);
    }

    public String runId() {
        return runId;
    }

    /** Where files are written before publishing. */
    public Path staging() {
        return staging;
    }

    /** The final location (exists only after {@link #publish()}). */
    public Path target() {
        return root.resolve(runId);
    }

    public Path file(String name) {
        return staging.resolve(name);
    }

    /** Atomically renames the staging folder to its final name; fails rather than overwrite. */
    public Path publish() {
        if (published) {
            return target();
        }
        try {
            if (Files.exists(target())) {
                throw new FileAlreadyExistsException(target().toString());
            }
            Files.move(staging, target(), StandardCopyOption.ATOMIC_MOVE);
            published = true;
            return target();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot publish " + target() + ": " + e.getMessage(), e);
        }
    }

    /** Removes the staging folder of a run that failed before publishing. */
    public void discard() {
        if (published || !Files.exists(staging)) {
            return;
        }
        try (Stream<Path> files = Files.walk(staging)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort: a hidden partial folder is harmless
        }
    }
}
