package org.descent.util;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Checks an output folder before any work starts, so a long run never finds out at the end that it cannot write its
 * result: the folder must be a folder (created if missing), writable (a probe file is created and removed, which is
 * what counts on read-only mounts and for root), and have room for the expected output. Stale staging folders of
 * killed runs ({@link RunDirectory#cleanStale}) are removed on the way.
 */
public final class OutputDirs {
    /** Head room beyond the estimate: the free space must exceed {@code 2 × estimate + MARGIN}. */
    static final long MARGIN = 1L << 20;

    private OutputDirs() {}

    /**
     * Prepares {@code root} for output.
     *
     * @param option how the user names the folder ("--models-dir"), for messages
     * @param bytesNeeded estimated size of what will be written there
     * @return notes for the user (stale staging folders removed); empty when there is nothing to say
     * @throws IllegalArgumentException (one line) when the folder is a file, cannot be created, is not writable, or
     *     has too little free space
     */
    public static List<String> prepare(Path root, String option, long bytesNeeded) {
        String what = option + " " + root;
        if (Files.exists(root) && !Files.isDirectory(root)) {
            throw new IllegalArgumentException(what + " is a file, not a folder");
        }
        try {
            Files.createDirectories(root);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot create " + what + ": " + RunDirectory.message(e), e);
        }
        Path probe = root.resolve(".descent-write-check-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
        try {
            Files.write(probe, new byte[] {0}, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                    StandardOpenOption.SYNC);
        } catch (IOException e) {
            throw new IllegalArgumentException(what + " is not writable: " + RunDirectory.message(e)
                    + " (choose another folder with " + option + ")", e);
        } finally {
            try {
                Files.deleteIfExists(probe);
            } catch (IOException ignored) {
                // a hidden zero-length probe file is harmless
            }
        }
        long needed = 2 * bytesNeeded + MARGIN;
        try {
            FileStore store = Files.getFileStore(root);
            long free = store.getUsableSpace();
            if (free < needed) {
                throw new IllegalArgumentException(String.format(Locale.ROOT, "%s has %s free, but this run needs "
                        + "about %s there (%s of output, kept twice while it is written); free some space or choose "
                        + "another folder with %s", what, bytes(free), bytes(needed), bytes(bytesNeeded), option));
            }
        } catch (IOException e) {
            // the free space is unknown (some network file systems): the write check above is all we can do
        }
        List<String> notes = new ArrayList<>();
        for (RunDirectory.Stale s : RunDirectory.cleanStale(root)) {
            notes.add((s.removed() ? "note: removed the staging folder " : "note: found the staging folder ")
                    + s.folder() + " of an interrupted run (" + s.note() + ")");
        }
        return notes;
    }

    /** A byte count for people: "812 B", "1.2 MiB", "25.0 GiB". */
    public static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
