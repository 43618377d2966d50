package org.descent.task;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes small .npy files for tests, following the NumPy format description (header padded to 64 bytes). */
final class NpyFiles {
    private NpyFiles() {}

    static Path write(Path file, double[][] m, String descr, boolean fortran, int version) throws IOException {
        int rows = m.length;
        int cols = m[0].length;
        String dict = "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") + ", 'shape': ("
                + rows + ", " + cols + "), }";
        int prefix = version == 1 ? 10 : 12;
        int total = prefix + dict.length() + 1;
        int pad = (64 - total % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        int width = descr.endsWith("4") ? 4 : 8;
        ByteBuffer buf = ByteBuffer.allocate(prefix + header.length() + rows * cols * width);
        buf.order(ByteOrder.LITTLE_ENDIAN);
        buf.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) version).put((byte) 0);
        if (version == 1) {
            buf.putShort((short) header.length());
        } else {
            buf.putInt(header.length());
        }
        buf.put(header.getBytes(StandardCharsets.ISO_8859_1));
        for (int k = 0; k < rows * cols; k++) {
            int i = fortran ? k % rows : k / cols;
            int j = fortran ? k / rows : k % cols;
            if (descr.equals("<f4")) {
                buf.putFloat((float) m[i][j]);
            } else if (descr.equals("<i8")) {
                buf.putLong((long) m[i][j]);
            } else {
                buf.putDouble(m[i][j]);
            }
        }
        return Files.write(file, buf.array());
    }
}
