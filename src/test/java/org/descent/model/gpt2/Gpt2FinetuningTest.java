package org.descent.model.gpt2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.Map;
import org.descent.task.layout.Interleaved;
import org.descent.task.layout.PromptLayout;
import org.junit.jupiter.api.Test;

/**
 * One SGD step of {@link Gpt2Finetuning} against central finite differences of the squared error in float64 (a
 * 1-layer GPT-2): the K and V entries move by −lr·∂L/∂θ, the Q entries and every parameter outside the scope do not
 * move at all, and on a one-token prompt the key projection gets no gradient (softmax over one key is 1).
 */
class Gpt2FinetuningTest {
    /** Central differences with h = 1e-6 in float64: truncation ~h², round-off ~1e-16/h. */
    static final double FD_TOLERANCE = 1e-7;
    static final double H = 1e-6;
    static final double LR = 0.5;
    static final Gpt2Config CONFIG = new Gpt2Config(1, 2, 8, 5, 3);
    static final PromptLayout LAYOUT = Interleaved.garg();

    /** Initialised weights with the attention projections scaled up so that attention is far from uniform. */
    static Map<String, double[]> weights() {
        Gpt2Weights w = Gpt2Weights.initialize(CONFIG, 7L);
        Map<String, double[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, float[]> e : w.values().entrySet()) {
            double scale = e.getKey().contains("c_attn") ? 40 : e.getKey().contains("c_proj") ? 20 : 1;
            double[] v = new double[e.getValue().length];
            for (int i = 0; i < v.length; i++) {
                v[i] = e.getValue()[i] * scale + (e.getKey().endsWith("bias") ? 0.05 * Math.sin(i + 1) : 0);
            }
            out.put(e.getKey(), v);
        }
        return out;
    }

    static Map<String, NDArray> arrays(NDManager m, Map<String, double[]> v) {
        Map<String, Shape> shapes = Gpt2Parameters.shapes(CONFIG);
        Map<String, NDArray> out = new LinkedHashMap<>();
        v.forEach((k, a) -> out.put(k, m.create(a, shapes.get(k))));
        return out;
    }

    /** (ŷ − y)² of one canonical prompt {@code [1, K+1, 4]}. */
    static double loss(NDManager m, Map<String, double[]> v, double[] tokens, int k, double y) {
        try (NDManager s = m.newSubManager()) {
            NDArray x = s.create(tokens, new Shape(1, k + 1, 4));
            NDArray out = Gpt2Transformer.outputs(CONFIG, arrays(s, v), LAYOUT.encode(x));
            double p = out.get(new NDIndex("0, " + LAYOUT.predictionPosition(k, k))).getDouble();
            return (p - y) * (p - y);
        }
    }

    static double finiteDifference(NDManager m, Map<String, double[]> v, String name, int i, double[] tokens, int k,
            double y) {
        Map<String, double[]> plus = new LinkedHashMap<>(v);
        Map<String, double[]> minus = new LinkedHashMap<>(v);
        plus.put(name, v.get(name).clone());
        minus.put(name, v.get(name).clone());
        plus.get(name)[i] += H;
        minus.get(name)[i] -= H;
        return (loss(m, plus, tokens, k, y) - loss(m, minus, tokens, k, y)) / (2 * H);
    }

    static Map<String, double[]> step(NDManager m, Map<String, double[]> v, double[] tokens, int k, double y,
            FinetuneScope scope) {
        Map<String, NDArray> tuned = Gpt2Finetuning.finetune(CONFIG, LAYOUT, arrays(m, v),
                m.create(tokens, new Shape(1, k + 1, 4)), m.create(new double[] {y}), LR, scope, m);
        Map<String, double[]> out = new LinkedHashMap<>();
        tuned.forEach((n, a) -> out.put(n, a.toType(DataType.FLOAT64, false).toDoubleArray()));
        return out;
    }

    @Test
    void oneKeyValueStepIsMinusLrTimesTheFiniteDifferenceGradient() {
        int e = CONFIG.width();
        double[] tokens = {0.7, -1.2, 0.4, 0.9, -0.3, 0.8, 1.1, 0}; // x_1, y_1 | x_q, 0
        double y = -0.6;
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, double[]> v = weights();
            Map<String, double[]> after = step(m, v, tokens, 1, y, new FinetuneScope.KeyValueProjections());
            String w = Gpt2Parameters.block(0, "attn.c_attn.weight"); // [E, 3E]
            String b = Gpt2Parameters.block(0, "attn.c_attn.bias"); // [3E]
            int checked = 0;
            for (int row : new int[] {0, 3, 7}) {
                for (int col : new int[] {1, e + 2, e + 5, 2 * e + 1, 3 * e - 1}) { // q | k | k | v | v
                    int i = row * 3 * e + col;
                    double moved = after.get(w)[i] - v.get(w)[i];
                    double expected = col < e ? 0 : -LR * finiteDifference(m, v, w, i, tokens, 1, y);
                    assertEquals(expected, moved, FD_TOLERANCE, "c_attn.weight[" + row + ", " + col + "]");
                    if (col < e) {
                        assertEquals(0.0, moved, 0.0, "the query projection stays fixed");
                    }
                    checked += Math.abs(expected) > 100 * FD_TOLERANCE ? 1 : 0;
                }
            }
            for (int col : new int[] {e + 1, 2 * e + 3}) {
                assertEquals(-LR * finiteDifference(m, v, b, col, tokens, 1, y), after.get(b)[col] - v.get(b)[col],
                        FD_TOLERANCE, "c_attn.bias[" + col + "]");
            }
            assertTrue(checked >= 6, "the K and V gradients are not negligible: " + checked + " sizeable entries");
            for (String name : v.keySet()) {
                if (!name.contains("c_attn")) {
                    assertEquals(0.0, maxDiff(v.get(name), after.get(name)), 0.0, name + " stays fixed");
                }
            }
        }
    }

    @Test
    void allWeightsMovesEveryParameterByItsGradient() {
        double[] tokens = {0.7, -1.2, 0.4, 0.9, -0.3, 0.8, 1.1, 0};
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, double[]> v = weights();
            Map<String, double[]> after = step(m, v, tokens, 1, 0.3, new FinetuneScope.AllWeights());
            for (String name : new String[] {Gpt2Parameters.block(0, "mlp.c_fc.weight"), Gpt2Parameters.POSITIONS,
                    Gpt2Parameters.READ_OUT_WEIGHT, Gpt2Parameters.block(0, "attn.c_attn.weight")}) {
                assertEquals(-LR * finiteDifference(m, v, name, 2, tokens, 1, 0.3),
                        after.get(name)[2] - v.get(name)[2], FD_TOLERANCE, name);
            }
        }
    }

    @Test
    void onAOneTokenPromptTheKeyProjectionGetsNoGradient() {
        int e = CONFIG.width();
        double[] tokens = {0.7, -1.2, 0.4, 0};
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, double[]> v = weights();
            Map<String, double[]> after = step(m, v, tokens, 0, 1.0, new FinetuneScope.KeyValueProjections());
            String w = Gpt2Parameters.block(0, "attn.c_attn.weight");
            double keyMove = 0;
            double valueMove = 0;
            for (int row = 0; row < e; row++) {
                for (int col = e; col < 3 * e; col++) {
                    double d = Math.abs(after.get(w)[row * 3 * e + col] - v.get(w)[row * 3 * e + col]);
                    if (col < 2 * e) {
                        keyMove = Math.max(keyMove, d);
                    } else {
                        valueMove = Math.max(valueMove, d);
                    }
                }
            }
            assertEquals(0.0, keyMove, 0.0, "softmax over one key is 1 whatever the key");
            assertTrue(valueMove > 1e-4, "the value projection moves: " + valueMove);
        }
    }

    static double maxDiff(double[] a, double[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }
}
