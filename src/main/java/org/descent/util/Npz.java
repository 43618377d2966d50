package org.descent.util;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Named arrays to be written as one numpy-readable {@code .npz} file ({@code numpy.load(file)["name"]}): float64,
 * float32 or int32, any shape, row-major. The bytes go through {@link ReproducibleZip#writeNpz}, descent's one npz
 * writer, so the same arrays always give the same file.
 *
 * <p>Names are letters, digits, {@code _}, {@code -} and {@code .} (dots group names, e.g. {@code layer0.W_Q});
 * each name may appear once.
 */
public final class Npz {
    private static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");

    /**
     * One array.
     *
     * @param shape its shape (empty for a scalar)
     * @param doubles float64 values, or null
     * @param floats float32 values, or null
     * @param ints int32 values, or null
     */
    public record Array(long[] shape, double[] doubles, float[] floats, int[] ints) {
        public Array {
            shape = shape.clone();
            int set = (doubles != null ? 1 : 0) + (floats != null ? 1 : 0) + (ints != null ? 1 : 0);
            if (set != 1) {
                throw new IllegalArgumentException("npz array: exactly one of float64, float32 or int32 values");
            }
            long size = 1;
            for (long s : shape) {
                if (s < 0) {
                    throw new IllegalArgumentException("npz array: negative dimension in " + Arrays.toString(shape));
                }
                size *= s;
            }
            if (size != length(doubles, floats, ints)) {
                throw new IllegalArgumentException("npz array: " + length(doubles, floats, ints)
                        + " values do not fill shape " + Arrays.toString(shape));
            }
        }

        private static long length(double[] d, float[] f, int[] i) {
            return d != null ? d.length : f != null ? f.length : i.length;
        }

        /** The number of values. */
        public int size() {
            return (int) length(doubles, floats, ints);
        }

        /** numpy's dtype name: {@code float64}, {@code float32} or {@code int32}. */
        public String dtype() {
            return doubles != null ? "float64" : floats != null ? "float32" : "int32";
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        /** The values as doubles (exact for every dtype). */
        public double[] asDoubles() {
            if (doubles != null) {
                return doubles.clone();
            }
            double[] out = new double[size()];
            for (int k = 0; k < out.length; k++) {
                out[k] = floats != null ? floats[k] : ints[k];
            }
            return out;
        }

        /** This array's rows {@code [0, rows)} along the first axis joined with {@code other}'s (same dtype). */
        public Array concat(Array other) {
            if (shape.length == 0 || other.shape.length != shape.length || !dtype().equals(other.dtype())
                    || !Arrays.equals(Arrays.copyOfRange(shape, 1, shape.length),
                            Arrays.copyOfRange(other.shape, 1, other.shape.length))) {
                throw new IllegalArgumentException("npz array: cannot join " + dtype() + Arrays.toString(shape)
                        + " and " + other.dtype() + Arrays.toString(other.shape) + " along the first axis");
            }
            long[] s = shape.clone();
            s[0] += other.shape[0];
            if (doubles != null) {
                double[] v = Arrays.copyOf(doubles, doubles.length + other.doubles.length);
                System.arraycopy(other.doubles, 0, v, doubles.length, other.doubles.length);
                return new Array(s, v, null, null);
            }
            if (floats != null) {
                float[] v = Arrays.copyOf(floats, floats.length + other.floats.length);
                System.arraycopy(other.floats, 0, v, floats.length, other.floats.length);
                return new Array(s, null, v, null);
            }
            int[] v = Arrays.copyOf(ints, ints.length + other.ints.length);
            System.arraycopy(other.ints, 0, v, ints.length, other.ints.length);
            return new Array(s, null, null, v);
        }

        /** The same values under another shape of the same size. */
        public Array reshape(long... newShape) {
            return new Array(newShape, doubles, floats, ints);
        }

        /** A float64 array. */
        public static Array of(double[] values, long... shape) {
            return new Array(shape, values.clone(), null, null);
        }

        /** A float32 array. */
        public static Array of(float[] values, long... shape) {
            return new Array(shape, null, values.clone(), null);
        }

        /** An int32 array. */
        public static Array of(int[] values, long... shape) {
            return new Array(shape, null, null, values.clone());
        }
    }

    private final Map<String, Array> arrays = new LinkedHashMap<>();

    /** Adds {@code array} under {@code name}. */
    public Npz put(String name, Array array) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("npz: invalid array name \"" + name + "\" (letters, digits, '_', '-', "
                    + "'.')");
        }
        if (arrays.putIfAbsent(name, array) != null) {
            throw new IllegalArgumentException("npz: array \"" + name + "\" is already set");
        }
        return this;
    }

    /** A float64 vector {@code [n]}. */
    public Npz put(String name, double[] values) {
        return put(name, Array.of(values, values.length));
    }

    /** A float64 matrix {@code [rows, cols]} (every row of the same length). */
    public Npz put(String name, double[][] rows) {
        int cols = rows.length == 0 ? 0 : rows[0].length;
        double[] flat = new double[rows.length * cols];
        for (int i = 0; i < rows.length; i++) {
            if (rows[i].length != cols) {
                throw new IllegalArgumentException("npz: \"" + name + "\" has rows of different lengths");
            }
            System.arraycopy(rows[i], 0, flat, i * cols, cols);
        }
        return put(name, new Array(new long[] {rows.length, cols}, flat, null, null));
    }

    /** A float64 scalar (shape {@code ()}). */
    public Npz put(String name, double value) {
        return put(name, new Array(new long[0], new double[] {value}, null, null));
    }

    /** Every array of {@code other}, each name prefixed with {@code prefix}. */
    public Npz putAll(String prefix, Npz other) {
        other.arrays.forEach((k, v) -> put(prefix + k, v));
        return this;
    }

    /** Whether no array was added. */
    public boolean isEmpty() {
        return arrays.isEmpty();
    }

    /** The arrays, by name, in the order added. */
    public Map<String, Array> arrays() {
        return Collections.unmodifiableMap(arrays);
    }

    /**
     * Writes the arrays to {@code file} atomically (through {@link ReproducibleZip#writeNpz}).
     *
     * @throws java.io.UncheckedIOException when the file cannot be written
     */
    public void write(Path file) {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            NDList list = new NDList();
            arrays.forEach((name, a) -> {
                Shape shape = new Shape(a.shape);
                NDArray nd = a.doubles != null ? manager.create(a.doubles, shape)
                        : a.floats != null ? manager.create(a.floats, shape) : manager.create(a.ints, shape);
                nd.setName(name);
                list.add(nd);
            });
            AtomicFiles.write(file, out -> ReproducibleZip.writeNpz(list, out));
        }
    }

    /**
     * Reads an npz file written by descent (or numpy's {@code savez} of float64/float32/int32 arrays).
     *
     * @throws IllegalArgumentException naming the file when it is not a readable npz
     */
    public static Map<String, Array> read(Path file) {
        Json.requireFile(file, "npz file");
        try (NDManager manager = NDManager.newBaseManager(Device.cpu());
                java.io.InputStream in = new java.io.BufferedInputStream(java.nio.file.Files.newInputStream(file))) {
            NDList list = NDList.decode(manager, in);
            Map<String, Array> out = new LinkedHashMap<>();
            for (NDArray a : list) {
                long[] shape = a.getShape().getShape();
                Array array = switch (a.getDataType()) {
                    case FLOAT64 -> new Array(shape, a.toDoubleArray(), null, null);
                    case FLOAT32 -> new Array(shape, null, a.toFloatArray(), null);
                    case INT32 -> new Array(shape, null, null, a.toIntArray());
                    default -> throw new IllegalArgumentException(file + ": array \"" + a.getName()
                            + "\" has unsupported dtype " + a.getDataType());
                };
                out.put(a.getName(), array);
            }
            return out;
        } catch (java.io.IOException | RuntimeException e) {
            if (e instanceof IllegalArgumentException iae && iae.getMessage() != null
                    && iae.getMessage().startsWith(file.toString())) {
                throw iae;
            }
            throw new IllegalArgumentException(file + ": not a readable npz file: " + e.getMessage(), e);
        }
    }
}
