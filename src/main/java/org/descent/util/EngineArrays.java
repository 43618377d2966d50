package org.descent.util;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Engine-owned copies of host values. {@code NDManager.create(float[]/double[])} backs the array with Java memory: a
 * garbage collection may free it while autograd still holds it for the backward pass, and its alignment differs
 * between processes (and with it MKL's summation order), so such arrays break bitwise reproducibility on
 * differentiable paths. Every constant or parameter built from host values goes through here instead; the engine's
 * allocator owns (and aligns) the copy.
 */
public final class EngineArrays {
    private EngineArrays() {}

    /** An engine-owned float32 copy of {@code values} with {@code shape}. */
    public static NDArray copyOf(NDManager manager, float[] values, Shape shape) {
        try (NDArray java = manager.create(values, shape)) {
            return java.duplicate();
        }
    }

    /** An engine-owned copy of {@code values} with {@code shape}, converted to {@code type}. */
    public static NDArray copyOf(NDManager manager, double[] values, Shape shape, DataType type) {
        try (NDArray java = manager.create(values, shape)) { // float64 over Java memory
            return java.toType(type, true);
        }
    }

    /** An engine-owned copy of {@code values} with {@code shape}, converted to {@code type}. */
    public static NDArray copyOf(NDManager manager, float[] values, Shape shape, DataType type) {
        try (NDArray java = manager.create(values, shape)) {
            return java.toType(type, true);
        }
    }
}
