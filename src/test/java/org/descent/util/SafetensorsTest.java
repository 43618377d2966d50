package org.descent.util;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {
    @TempDir
    Path dir;

    /** A file written byte by byte as the format's specification lays it out. */
    private Path handMade(String header, byte[] data) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        Path f = dir.resolve("hand.safetensors");
        Files.write(f, b.array());
        return f;
    }

    @Test
    void readsAHandMadeFileWithF32F16Bf16AndF64() throws IOException {
        ByteBuffer data = ByteBuffer.allocate(8 + 4 + 4 + 8).order(ByteOrder.LITTLE_ENDIAN);
        data.putFloat(1.5f).putFloat(-2f); // a: F32 [2]
        data.putShort((short) 0x3C00).putShort((short) 0xC000); // b: F16 [1, 2] = 1, -2
        data.putShort((short) 0x3F80).putShort((short) 0x4040); // c: BF16 [2] = 1, 3
        data.putDouble(0.25); // d: F64 scalar
        String header = "{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F16\",\"shape\":[1,2],\"data_offsets\":[8,12]},"
                + "\"c\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[12,16]},"
                + "\"d\":{\"dtype\":\"F64\",\"shape\":[],\"data_offsets\":[16,24]}}";
        Path f = handMade(header, data.array());
        assertTrue(Safetensors.looksLike(f));
        Safetensors.Contents c = Safetensors.read(f);
        assertArrayEquals(new float[] {1.5f, -2f}, c.tensors().get("a").values());
        assertArrayEquals(new float[] {1f, -2f}, c.tensors().get("b").values());
        assertArrayEquals(new long[] {1, 2}, c.tensors().get("b").shape());
        assertArrayEquals(new float[] {1f, 3f}, c.tensors().get("c").values());
        assertArrayEquals(new float[] {0.25f}, c.tensors().get("d").values());
        assertEquals(Map.of("format", "pt"), c.metadata());
        assertEquals("F16", c.dtypes().get("b"));
    }

    @Test
    void halfPrecisionConversionIsExactIncludingSubnormalsAndInfinity() {
        assertEquals(65504f, Safetensors.halfToFloat((short) 0x7BFF));
        assertEquals(0x1p-24f, Safetensors.halfToFloat((short) 0x0001));
        assertEquals(-0.0f, Safetensors.halfToFloat((short) 0x8000));
        assertEquals(Float.POSITIVE_INFINITY, Safetensors.halfToFloat((short) 0x7C00));
        assertTrue(Float.isNaN(Safetensors.halfToFloat((short) 0x7E00)));
    }

    @Test
    void writeThenReadRoundTripsAndPadsTheHeader() throws IOException {
        Map<String, Safetensors.Tensor> t = new LinkedHashMap<>();
        t.put("w", new Safetensors.Tensor(new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6}));
        t.put("b", new Safetensors.Tensor(new long[] {1}, new float[] {-7}));
        Path f = dir.resolve("out.safetensors");
        Safetensors.write(f, t, Map.of("arch", "gpt2"));
        byte[] bytes = Files.readAllBytes(f);
        long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, n % 8);
        assertEquals(8 + n + 7 * 4, bytes.length);
        Safetensors.Contents c = Safetensors.read(f);
        assertEquals(Arrays.asList("w", "b"), c.tensors().keySet().stream().toList());
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, c.tensors().get("w").values());
        assertEquals("gpt2", c.metadata().get("arch"));
        assertEquals(0, Files.list(dir).filter(p -> p.toString().endsWith(".partial")).count());
    }

    @Test
    void refusesBrokenFilesWithOneLineNamingTheProblem() throws IOException {
        Path f = dir.resolve("out.safetensors");
        Safetensors.write(f, Map.of("w", new Safetensors.Tensor(new long[] {4}, new float[] {1, 2, 3, 4})), Map.of());
        byte[] bytes = Files.readAllBytes(f);
        Path truncated = dir.resolve("truncated.safetensors");
        Files.write(truncated, Arrays.copyOf(bytes, bytes.length - 3));
        assertTrue(Safetensors.read(f).tensors().containsKey("w"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Safetensors.read(truncated)).getMessage()
                .contains("outside the 13 data bytes (truncated?)"));
        Path wrongSize = handMade("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", new byte[8]);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Safetensors.read(wrongSize)).getMessage()
                .contains("needs 12 bytes, its offsets give 8"));
        Path ints = handMade("{\"a\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", new byte[8]);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Safetensors.read(ints)).getMessage()
                .contains("dtype 'I64'"));
        Path overlap = handMade("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new byte[8]);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Safetensors.read(overlap)).getMessage()
                .contains("overlapping"));
        Path pickle = dir.resolve("state.pt");
        Files.write(pickle, new byte[] {(byte) 0x80, 2, 'c', 'x', 'y', 'z', 0, 0, 0, 0});
        assertFalse(Safetensors.looksLike(pickle));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Safetensors.read(pickle)).getMessage()
                .startsWith(pickle + ": not a valid safetensors file"));
    }
}
