package org.descent.task;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a dense 2-D matrix from a file: {@code .json} ({@code {"covariance": [[..], ..]}}, no other keys) or
 * {@code .npy} (NumPy format versions 1–3, dtype float64 or float32 in either byte order, C or Fortran order,
 * 2-D shape). Every problem becomes an {@link IllegalArgumentException} naming the file and the problem.
 */
public final class MatrixFiles {
    private static final byte[] NPY_MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");
    private static final ObjectMapper JSON = org.descent.util.Json.mapper(); // strict: duplicate keys, trailing text

    private MatrixFiles() {}

    /** The covariance matrix in {@code file}, {@code [rows][cols]}, chosen by the file extension. */
    public static double[][] readCovariance(Path file) {
        String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("task: covariance file " + file + ": no such file");
        }
        if (name.endsWith(".json")) {
            return readJson(file);
        }
        if (name.endsWith(".npy")) {
            return readNpy(file);
        }
        throw new IllegalArgumentException("task: covariance file " + file
                + ": unsupported extension; use .json {\"covariance\": [[..]]} or a 2-D float64/float32 .npy");
    }

    /** A {@code .json} file holding exactly {@code {"covariance": [[..], ..]}}. */
    public static double[][] readJson(Path file) {
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException("task: covariance file " + file + ": "
                    + org.descent.util.Json.describe(e),
                    e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("task: covariance file " + file
                    + ": expected an object {\"covariance\": [[..]]}");
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!key.equals("covariance")) {
                throw new IllegalArgumentException("task: covariance file " + file + ": unknown key \"" + key
                        + "\" (known: [covariance])");
            }
        }
        JsonNode rows = root.get("covariance");
        if (rows == null || !rows.isArray() || rows.isEmpty()) {
            throw new IllegalArgumentException("task: covariance file " + file
                    + ": \"covariance\" must be a non-empty array of rows");
        }
        double[][] out = new double[rows.size()][];
        for (int i = 0; i < rows.size(); i++) {
            JsonNode row = rows.get(i);
            if (!row.isArray()) {
                throw new IllegalArgumentException("task: covariance file " + file + ": row " + i + " is not an array");
            }
            out[i] = new double[row.size()];
            for (int j = 0; j < row.size(); j++) {
                if (!row.get(j).isNumber()) {
                    throw new IllegalArgumentException("task: covariance file " + file + ": entry (" + i + ", " + j
                            + ") is not a number");
                }
                out[i][j] = row.get(j).asDouble();
            }
        }
        return out;
    }

    /** A 2-D float64 or float32 {@code .npy} file, parsed from its header. */
    public static double[][] readNpy(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("task: covariance file " + file + ": cannot read: " + e.getMessage(), e);
        }
        String where = "task: covariance file " + file + ": ";
        if (bytes.length < 10) {
            throw new IllegalArgumentException(where + "too short to be a .npy file");
        }
        for (int i = 0; i < NPY_MAGIC.length; i++) {
            if (bytes[i] != NPY_MAGIC[i]) {
                throw new IllegalArgumentException(where + "not a .npy file (bad magic string)");
            }
        }
        int major = bytes[6] & 0xff;
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int headerLen;
        int headerStart;
        if (major == 1) {
            headerLen = buf.getShort(8) & 0xffff;
            headerStart = 10;
        } else if (major == 2 || major == 3) {
            if (bytes.length < 12) {
                throw new IllegalArgumentException(where + "truncated header");
            }
            headerLen = buf.getInt(8);
            headerStart = 12;
        } else {
            throw new IllegalArgumentException(where + "unsupported .npy format version " + major);
        }
        if (headerLen < 0 || headerStart + headerLen > bytes.length) {
            throw new IllegalArgumentException(where + "truncated header");
        }
        String header = new String(bytes, headerStart, headerLen,
                major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        String descr = group(DESCR, header, where + "header has no 'descr'");
        boolean fortran = group(FORTRAN, header, where + "header has no 'fortran_order'").equals("True");
        String shapeText = group(SHAPE, header, where + "header has no 'shape'").trim();
        String[] dims = shapeText.isEmpty() ? new String[0] : shapeText.split("\\s*,\\s*");
        if (dims.length != 2 || dims[1].isEmpty()) {
            throw new IllegalArgumentException(where + "expected a 2-D array, got shape (" + shapeText + ")");
        }
        int rows = Integer.parseInt(dims[0].trim());
        int cols = Integer.parseInt(dims[1].trim());
        int width;
        ByteOrder order;
        switch (descr) {
            case "<f8", "=f8" -> { width = 8; order = ByteOrder.LITTLE_ENDIAN; }
            case ">f8" -> { width = 8; order = ByteOrder.BIG_ENDIAN; }
            case "<f4", "=f4" -> { width = 4; order = ByteOrder.LITTLE_ENDIAN; }
            case ">f4" -> { width = 4; order = ByteOrder.BIG_ENDIAN; }
            default -> throw new IllegalArgumentException(where + "unsupported dtype '" + descr
                    + "'; expected float64 or float32");
        }
        int dataStart = headerStart + headerLen;
        long need = (long) rows * cols * width;
        if (bytes.length - dataStart != need) {
            throw new IllegalArgumentException(where + "holds " + (bytes.length - dataStart) + " data bytes, expected "
                    + need + " for shape (" + rows + ", " + cols + ")");
        }
        ByteBuffer data = ByteBuffer.wrap(bytes, dataStart, (int) need).slice().order(order);
        double[][] out = new double[rows][cols];
        for (int k = 0; k < rows * cols; k++) {
            double v = width == 8 ? data.getDouble(k * 8) : data.getFloat(k * 4);
            int i = fortran ? k % rows : k / cols;
            int j = fortran ? k / rows : k % cols;
            out[i][j] = v;
        }
        return out;
    }

    private static String group(Pattern p, String header, String error) {
        Matcher m = p.matcher(header);
        if (!m.find()) {
            throw new IllegalArgumentException(error);
        }
        return m.group(1);
    }
}
