package org.descent.util;

import ai.djl.ndarray.NDList;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.time.LocalDateTime;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Zip (and so {@code .npz}) files whose bytes depend only on their content: every entry gets the same fixed
 * timestamp (1980-01-01 00:00, the zip epoch, stored as a DOS date without time zone), in the order written. DJL's own
 * npz writer stamps entries with the current time, so the same arrays saved twice differed byte for byte.
 */
public final class ReproducibleZip {
    /** The timestamp of every entry. */
    static final LocalDateTime EPOCH = LocalDateTime.of(1980, 1, 1, 0, 0);

    private ReproducibleZip() {}

    /** Writes {@code arrays} as a numpy-readable {@code .npz} with fixed entry timestamps. */
    public static void writeNpz(NDList arrays, OutputStream out) throws IOException {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        arrays.encode(buffer, NDList.Encoding.NPZ);
        normalize(buffer.toByteArray(), out);
    }

    /** Copies the zip archive {@code zip} to {@code out}, entry by entry, with fixed timestamps and no comments. */
    public static void normalize(byte[] zip, OutputStream out) throws IOException {
        ZipOutputStream zos = new ZipOutputStream(out);
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            byte[] buf = new byte[1 << 16];
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                ZipEntry copy = new ZipEntry(e.getName());
                copy.setTimeLocal(EPOCH);
                zos.putNextEntry(copy);
                for (int r; (r = in.read(buf)) > 0; ) {
                    zos.write(buf, 0, r);
                }
                zos.closeEntry();
            }
        }
        zos.finish();
        zos.flush();
    }
}
