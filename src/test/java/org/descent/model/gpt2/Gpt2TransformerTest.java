package org.descent.model.gpt2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class Gpt2TransformerTest {
    private static final Gpt2Config CONFIG = new Gpt2Config(2, 2, 8, 16, 3);

    private static double[] randomTokens(long seed, int b, int t, int w) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] out = new double[b * t * w];
        for (int i = 0; i < out.length; i++) {
            out[i] = r.nextGaussian();
        }
        return out;
    }

    @Test
    void outputsAreCausalAndAttentionRowsAreDistributionsOverThePast() {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> p = Gpt2Weights.initialize(CONFIG, 7).toArrays(m, DataType.FLOAT64);
            double[] tokens = randomTokens(1, 2, 6, 3);
            double[] changed = tokens.clone();
            for (int k = 0; k < 3; k++) {
                changed[(6 + 4) * 3 + k] += 5; // prompt 1, token 4
            }
            Gpt2Transformer.Activations a = Gpt2Transformer.run(CONFIG, p, m.create(tokens, new Shape(2, 6, 3)), true);
            double[] before = a.outputs().toDoubleArray();
            double[] after = Gpt2Transformer.outputs(CONFIG, p, m.create(changed, new Shape(2, 6, 3))).toDoubleArray();
            for (int t = 0; t < 6; t++) {
                assertEquals(before[t], after[t], 0.0, "prompt 0 untouched");
                if (t < 4) {
                    assertEquals(before[6 + t], after[6 + t], 0.0, "token " + t + " cannot see token 4");
                } else {
                    assertTrue(Math.abs(before[6 + t] - after[6 + t]) > 1e-9, "token " + t + " sees token 4");
                }
            }
            assertEquals(3, a.residuals().size());
            assertEquals(new Shape(2, 2, 6, 6), a.patterns().get(0).getShape());
            double[] pattern = a.patterns().get(1).toDoubleArray();
            for (int row = 0; row < 2 * 2 * 6; row++) {
                int query = row % 6;
                double sum = 0;
                for (int key = 0; key < 6; key++) {
                    double v = pattern[row * 6 + key];
                    if (key > query) {
                        assertEquals(0.0, v, 0.0);
                    }
                    sum += v;
                }
                assertEquals(1.0, sum, 1e-12);
            }
        }
    }

    @Test
    void withZeroBlocksTheOutputIsTheNormalisedReadInThroughTheReadOut() {
        Gpt2Config c = new Gpt2Config(1, 1, 4, 4, 2);
        Map<String, float[]> v = new HashMap<>(Gpt2Weights.initialize(c, 3).values());
        for (String name : Gpt2Parameters.shapes(c).keySet()) {
            if (name.contains("c_proj")) {
                v.put(name, new float[v.get(name).length]); // blocks add nothing to the residual stream
            }
        }
        float[] readIn = {1, 0, 0, 1, 1, 1, -1, 2}; // [E=4, W=2]
        v.put(Gpt2Parameters.READ_IN_WEIGHT, readIn);
        v.put(Gpt2Parameters.READ_IN_BIAS, new float[4]);
        v.put(Gpt2Parameters.POSITIONS, new float[16]);
        v.put(Gpt2Parameters.READ_OUT_WEIGHT, new float[] {1, 2, 3, 4});
        v.put(Gpt2Parameters.READ_OUT_BIAS, new float[] {0.5f});
        Gpt2Weights w = new Gpt2Weights(c, v);
        double[] token = {0.3, -1.2};
        double[] r = new double[4];
        for (int i = 0; i < 4; i++) {
            r[i] = readIn[2 * i] * token[0] + readIn[2 * i + 1] * token[1];
        }
        double mean = (r[0] + r[1] + r[2] + r[3]) / 4;
        double var = 0;
        for (double x : r) {
            var += (x - mean) * (x - mean) / 4;
        }
        double expected = 0.5;
        for (int i = 0; i < 4; i++) {
            expected += (i + 1) * (r[i] - mean) / Math.sqrt(var + 1e-5);
        }
        try (NDManager m = NDManager.newBaseManager()) {
            double[] out = Gpt2Transformer.outputs(c, w.toArrays(m, DataType.FLOAT64), m.create(token, new Shape(1, 1, 2)))
                    .toDoubleArray();
            assertArrayEquals(new double[] {expected}, out, 1e-12);
        }
    }

    @Test
    void geluNewIsTheTanhApproximation() {
        try (NDManager m = NDManager.newBaseManager()) {
            double[] x = {-3, -0.5, 0, 0.7, 2.5};
            double[] y = Gpt2Transformer.geluNew(m.create(x)).toDoubleArray();
            for (int i = 0; i < x.length; i++) {
                double e = 0.5 * x[i] * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x[i] + 0.044715 * Math.pow(x[i], 3))));
                assertEquals(e, y[i], 1e-15);
            }
        }
    }

    @Test
    void parameterCountMatchesTheShapes() {
        long sum = Gpt2Parameters.shapes(CONFIG).values().stream().mapToLong(Shape::size).sum();
        assertEquals(sum, CONFIG.parameterCount());
        assertEquals(sum, Gpt2Weights.initialize(CONFIG, 1).size());
    }
}
