package org.descent.util;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors format, read and written natively (no pickle, no native library): an 8-byte little-endian header
 * length {@code n}, {@code n} bytes of UTF-8 JSON {@code {name: {"dtype", "shape", "data_offsets": [begin, end]},
 * "__metadata__": {string: string}}}, then the raw little-endian tensor bytes, offsets relative to the end of the
 * header. Python reads these files with {@code safetensors.numpy.load_file} or {@code safetensors.torch.load_file}.
 *
 * <p>Reading accepts F64, F32, F16 and BF16 tensors (converted to float32) and refuses, with a one-line message naming
 * the file, a truncated file, a header that is not JSON or overruns the file, unknown dtypes, offsets that do not match
 * a tensor's shape, and overlapping or out-of-bounds data. Writing is atomic and deterministic (tensors in the given
 * order, header padded with spaces to a multiple of 8 bytes, float32 only).
 */
public final class Safetensors {
    /** Refuse headers larger than this (the reference implementation's limit is 100 MB). */
    static final long MAX_HEADER = 100L * 1024 * 1024;
    private static final String METADATA = "__metadata__";

    private Safetensors() {}

    /**
     * One tensor, as float32.
     *
     * @param shape its shape (empty for a scalar)
     * @param values row-major values
     */
    public record Tensor(long[] shape, float[] values) {
        public Tensor {
            long size = 1;
            for (long s : shape) {
                if (s < 0) {
                    throw new IllegalArgumentException("tensor: negative dimension in " + Arrays.toString(shape));
                }
                size *= s;
            }
            if (size != values.length) {
                throw new IllegalArgumentException("tensor: " + values.length + " values do not fill shape "
                        + Arrays.toString(shape));
            }
        }
    }

    /**
     * A file's contents.
     *
     * @param tensors by name, in file order
     * @param metadata the {@code __metadata__} strings (empty if absent)
     * @param dtypes each tensor's stored dtype ("F32", "F16", ...)
     */
    public record Contents(Map<String, Tensor> tensors, Map<String, String> metadata, Map<String, String> dtypes) {
        public Contents {
            tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
            metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
            dtypes = Collections.unmodifiableMap(new LinkedHashMap<>(dtypes));
        }
    }

    /** Whether {@code file} starts like a safetensors file (a plausible header length followed by '{'). */
    public static boolean looksLike(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(9);
            if (head.length < 9) {
                return false;
            }
            long n = ByteBuffer.wrap(head, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            return n > 1 && n <= MAX_HEADER && head[8] == '{';
        } catch (IOException e) {
            return false;
        }
    }

    /** Reads every tensor of {@code file}. */
    public static Contents read(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw bad(file, "shorter than the 8-byte header length");
            }
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, len, 0);
            long n = len.flip().getLong();
            if (n < 2 || n > MAX_HEADER || 8 + n > size) {
                throw bad(file, "header length " + n + " does not fit a file of " + size + " bytes (truncated or not"
                        + " safetensors)");
            }
            ByteBuffer header = ByteBuffer.allocate((int) n);
            readFully(ch, header, 8);
            JsonNode root;
            try {
                root = Json.mapper().readTree(new String(header.array(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw bad(file, "the header is not JSON: " + Json.describe(e));
            }
            if (root == null || !root.isObject()) {
                throw bad(file, "the header is not a JSON object");
            }
            long dataStart = 8 + n;
            long dataSize = size - dataStart;
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            Map<String, String> dtypes = new LinkedHashMap<>();
            Map<String, String> metadata = new LinkedHashMap<>();
            List<long[]> ranges = new ArrayList<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (METADATA.equals(e.getKey())) {
                    e.getValue().fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
                    continue;
                }
                String name = e.getKey();
                JsonNode info = e.getValue();
                String dtype = info.path("dtype").asText("");
                int width = switch (dtype) {
                    case "F64" -> 8;
                    case "F32" -> 4;
                    case "F16", "BF16" -> 2;
                    default -> throw bad(file, "tensor '" + name + "' has dtype '" + dtype + "'; descent reads F64,"
                            + " F32, F16 and BF16");
                };
                JsonNode shapeNode = info.path("shape");
                JsonNode offsets = info.path("data_offsets");
                if (!shapeNode.isArray() || !offsets.isArray() || offsets.size() != 2) {
                    throw bad(file, "tensor '" + name + "' lacks a shape or a [begin, end] data_offsets");
                }
                long[] shape = new long[shapeNode.size()];
                long count = 1;
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = shapeNode.get(i).asLong(-1);
                    if (shape[i] < 0) {
                        throw bad(file, "tensor '" + name + "' has a negative dimension");
                    }
                    count *= shape[i];
                }
                long begin = offsets.get(0).asLong(-1);
                long end = offsets.get(1).asLong(-1);
                if (begin < 0 || end < begin || end > dataSize) {
                    throw bad(file, "tensor '" + name + "' has data_offsets [" + begin + ", " + end
                            + "] outside the " + dataSize + " data bytes (truncated?)");
                }
                if (end - begin != count * width) {
                    throw bad(file, "tensor '" + name + "' of shape " + Arrays.toString(shape) + " and dtype " + dtype
                            + " needs " + count * width + " bytes, its offsets give " + (end - begin));
                }
                if (count > Integer.MAX_VALUE) {
                    throw bad(file, "tensor '" + name + "' is too large for descent (" + count + " values)");
                }
                ranges.add(new long[] {begin, end});
                ByteBuffer raw = ByteBuffer.allocate((int) (end - begin)).order(ByteOrder.LITTLE_ENDIAN);
                readFully(ch, raw, dataStart + begin);
                raw.flip();
                tensors.put(name, new Tensor(shape, decode(raw, dtype, (int) count)));
                dtypes.put(name, dtype);
            }
            ranges.sort((a, b) -> Long.compare(a[0], b[0]));
            for (int i = 1; i < ranges.size(); i++) {
                if (ranges.get(i)[0] < ranges.get(i - 1)[1]) {
                    throw bad(file, "two tensors share data bytes (overlapping data_offsets)");
                }
            }
            return new Contents(tensors, metadata, dtypes);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot be read: " + Json.describe(e), e);
        }
    }

    private static float[] decode(ByteBuffer raw, String dtype, int count) {
        float[] out = new float[count];
        switch (dtype) {
            case "F64" -> {
                for (int i = 0; i < count; i++) {
                    out[i] = (float) raw.getDouble();
                }
            }
            case "F32" -> raw.asFloatBuffer().get(out);
            case "F16" -> {
                for (int i = 0; i < count; i++) {
                    out[i] = halfToFloat(raw.getShort());
                }
            }
            case "BF16" -> {
                for (int i = 0; i < count; i++) {
                    out[i] = Float.intBitsToFloat((raw.getShort() & 0xFFFF) << 16);
                }
            }
            default -> throw new IllegalStateException("unreachable dtype " + dtype);
        }
        return out;
    }

    /** IEEE 754 binary16 to float32 (exact; Java 17 has no built-in). */
    static float halfToFloat(short bits) {
        int h = bits & 0xFFFF;
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1F;
        int mant = h & 0x3FF;
        if (exp == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13)); // inf, NaN
        }
        if (exp == 0) {
            float magnitude = mant * 0x1p-24f; // zero and subnormals
            return sign == 0 ? magnitude : -magnitude;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long at = position;
        while (buf.hasRemaining()) {
            int r = ch.read(buf, at);
            if (r < 0) {
                throw new IOException("unexpected end of file at byte " + at);
            }
            at += r;
        }
    }

    private static IllegalArgumentException bad(Path file, String why) {
        return new IllegalArgumentException(file + ": not a valid safetensors file: " + why);
    }

    /**
     * Writes float32 tensors atomically.
     *
     * @param tensors by name, written in this order
     * @param metadata strings stored under {@code __metadata__}
     */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) {
        ObjectNode header = Json.mapper().createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode m = header.putObject(METADATA);
            metadata.forEach(m::put);
        }
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            if (METADATA.equals(e.getKey())) {
                throw new IllegalArgumentException("safetensors: '" + METADATA + "' is not a tensor name");
            }
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", "F32");
            var shape = t.putArray("shape");
            for (long s : e.getValue().shape()) {
                shape.add(s);
            }
            long end = offset + 4L * e.getValue().values().length;
            t.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        byte[] json;
        try {
            json = Json.mapper().writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("safetensors header: " + e.getMessage(), e);
        }
        int padded = (json.length + 7) / 8 * 8;
        byte[] head = Arrays.copyOf(json, padded);
        Arrays.fill(head, json.length, padded, (byte) ' ');
        AtomicFiles.write(file, out -> {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
            out.write(len.array());
            out.write(head);
            for (Tensor t : tensors.values()) {
                ByteBuffer b = ByteBuffer.allocate(4 * t.values().length).order(ByteOrder.LITTLE_ENDIAN);
                b.asFloatBuffer().put(t.values());
                out.write(b.array());
            }
        });
    }
}
