package org.descent.util;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * A run's output folder ({@code <root>/<name>/}), built under a hidden staging name {@code .<name>.partial} and
 * published with one atomic rename, so a folder that exists is complete and an earlier run is never overwritten.
 *
 * <p>While it is being written, the staging folder holds a file {@code .lock} on which the writing process keeps an
 * exclusive OS file lock. The lock dies with the process, however it ends (SIGKILL included), so
 * {@link #cleanStale(Path)} can tell a staging folder left by a killed run (no lock holder: removed) from one that a
 * live run, in this or another process, is writing next to it (locked: left alone).
 */
public final class RunDirectory {
    /** Name of the lock file inside a staging folder. */
    static final String LOCK = ".lock";
    /** Suffix of staging folders. */
    static final String PARTIAL = ".partial";
    /** A staging folder without a lock file (written by an older descent, or killed within its first instant). */
    static final Duration UNLOCKED_GRACE = Duration.ofMinutes(2);
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    private final Path root;
    private final String runId;
    private final Path staging;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private boolean published;
    private boolean closed;

    private RunDirectory(Path root, String runId) throws IOException {
        this.root = root;
        this.runId = runId;
        Files.createDirectories(root);
        if (Files.exists(root.resolve(runId))) {
            throw new FileAlreadyExistsException(root.resolve(runId).toString());
        }
        this.staging = Files.createDirectory(root.resolve("." + runId + PARTIAL));
        FileChannel channel = null;
        FileLock held = null;
        try {
            channel = FileChannel.open(staging.resolve(LOCK), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            held = channel.tryLock();
            if (held == null) {
                throw new IOException("cannot lock " + staging.resolve(LOCK));
            }
            channel.write(java.nio.ByteBuffer.wrap(("pid " + ProcessHandle.current().pid() + "\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
        } catch (IOException | RuntimeException e) {
            if (channel != null) {
                channel.close();
            }
            deleteTree(staging);
            throw e;
        }
        this.lockChannel = channel;
        this.lock = held;
    }

    /** A new run id of the form {@code 20261122-081500-<kind>-3f9a} (time, kind, 16 random bits). */
    public static String newRunId(String kind) {
        return LocalDateTime.now().format(STAMP) + "-" + kind + "-"
                + String.format("%04x", ThreadLocalRandom.current().nextInt(1 << 16));
    }

    /** A new run id (see {@link #newRunId}) and its staging folder under {@code root}. */
    public static RunDirectory create(Path root, String kind) {
        for (int attempt = 0; attempt < 50; attempt++) {
            String id = newRunId(kind);
            try {
                return new RunDirectory(root, id);
            } catch (FileAlreadyExistsException e) {
                // another process picked the same id: draw again
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create a run folder under " + root + ": " + message(e), e);
            }
        }
        throw new UncheckedIOException(new IOException("cannot create a fresh run folder under " + root
                + " (50 names taken)"));
    }

    /**
     * The staging folder of {@code <root>/<name>}.
     *
     * @throws UncheckedIOException when {@code <root>/<name>} (or its staging folder) already exists or cannot be
     *     created
     */
    public static RunDirectory named(Path root, String name) {
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
            throw new IllegalArgumentException("invalid run folder name \"" + name + "\"");
        }
        try {
            return new RunDirectory(root, name);
        } catch (FileAlreadyExistsException e) {
            throw new UncheckedIOException("cannot create " + root.resolve(name) + ": it already exists "
                    + "(folders are never overwritten)", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + root.resolve(name) + ": " + message(e), e);
        }
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

    /**
     * Atomically renames the staging folder to its final name (still holding the lock, so no cleaner can take it
     * for stale in between), then drops the lock file; fails rather than overwrite.
     */
    public Path publish() {
        if (published) {
            return target();
        }
        try {
            if (Files.exists(target())) {
                throw new FileAlreadyExistsException(target().toString(), null, "it already exists");
            }
            Files.move(staging, target(), StandardCopyOption.ATOMIC_MOVE);
            published = true;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot publish " + target() + ": " + message(e), e);
        }
        release();
        try {
            Files.deleteIfExists(target().resolve(LOCK));
        } catch (IOException e) {
            // a left-over hidden lock file in a published folder is harmless
        }
        return target();
    }

    /** Removes the staging folder of a run that failed before publishing (a no-op after publishing). */
    public void discard() {
        if (published || closed) {
            return;
        }
        deleteTree(staging);
        release();
    }

    private void release() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            lock.release();
        } catch (IOException | RuntimeException e) {
            // the channel is closed below anyway
        }
        try {
            lockChannel.close();
        } catch (IOException e) {
            // nothing to do: the OS drops the lock with the process at the latest
        }
    }

    /** A staging folder that {@link #cleanStale} removed (or could not remove). */
    public record Stale(Path folder, boolean removed, String note) {}

    /**
     * Finds the staging folders {@code <root>/.<name>.partial} left behind by runs that were killed or crashed and
     * removes them. A folder whose lock is held (a live run, in this or another process) is left alone, and so is a
     * lock-less folder younger than {@link #UNLOCKED_GRACE}.
     *
     * @return the stale folders found (removed or not, with a note); empty when {@code root} does not exist
     */
    public static List<Stale> cleanStale(Path root) {
        List<Stale> out = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return out;
        }
        List<Path> candidates = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root, "." + "*" + PARTIAL)) {
            ds.forEach(candidates::add);
        } catch (IOException e) {
            return out;
        }
        for (Path dir : candidates) {
            if (!Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            Path lockFile = dir.resolve(LOCK);
            if (!Files.exists(lockFile)) {
                if (olderThan(dir, UNLOCKED_GRACE)) {
                    out.add(remove(dir, "no lock file and untouched for over " + UNLOCKED_GRACE.toMinutes()
                            + " minutes"));
                }
                continue;
            }
            try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
                FileLock held;
                try {
                    held = ch.tryLock();
                } catch (OverlappingFileLockException e) {
                    continue; // this process is writing it
                }
                if (held == null) {
                    continue; // another live process is writing it
                }
                try {
                    out.add(remove(dir, "its writer is gone"));
                } finally {
                    if (ch.isOpen()) {
                        held.release();
                    }
                }
            } catch (NoSuchFileException e) {
                // published or discarded meanwhile
            } catch (IOException e) {
                out.add(new Stale(dir, false, "cannot check it: " + message(e)));
            }
        }
        return out;
    }

    private static Stale remove(Path dir, String why) {
        deleteTree(dir);
        boolean gone = !Files.exists(dir);
        return new Stale(dir, gone, gone ? why : why + "; could not remove it all");
    }

    private static boolean olderThan(Path dir, Duration age) {
        try {
            Instant t = Files.getLastModifiedTime(dir).toInstant();
            return t.isBefore(Instant.now().minus(age));
        } catch (IOException e) {
            return false;
        }
    }

    /** Deletes {@code dir} and everything below it, best effort (links are not followed); absent is fine. */
    public static void deleteTree(Path dir) {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // best effort; reported by the caller when the folder remains
                }
            });
        } catch (IOException | UncheckedIOException e) {
            // best effort
        }
    }

    /** An I/O exception's message without Java's class names ("NoSuchFileException: x" becomes "x: no such file"). */
    public static String message(IOException e) {
        String m = e.getMessage() == null ? "" : e.getMessage();
        if (e instanceof java.nio.file.FileSystemException fs) {
            String reason = fs.getReason();
            if (reason == null) {
                reason = switch (e.getClass().getSimpleName()) {
                    case "NoSuchFileException" -> "no such file or folder";
                    case "AccessDeniedException" -> "permission denied";
                    case "FileAlreadyExistsException" -> "already exists";
                    case "NotDirectoryException" -> "not a folder";
                    case "DirectoryNotEmptyException" -> "folder not empty";
                    default -> e.getClass().getSimpleName();
                };
            }
            return (fs.getFile() == null ? "" : fs.getFile() + ": ") + reason;
        }
        return m;
    }
}
