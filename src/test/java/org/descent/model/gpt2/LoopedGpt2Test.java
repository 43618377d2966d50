package org.descent.model.gpt2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.descent.task.PromptBatch;
import org.descent.task.PromptSet;
import org.descent.task.TaskConfig;
import org.descent.task.TaskSamplers;
import org.descent.task.layout.PromptLayout;
import org.descent.train.Gpt2TrainingState;
import org.descent.train.LoopedGpt2Model;
import org.descent.train.ModelTrainer;
import org.descent.train.StopSignal;
import org.descent.train.TrainConfig;
import org.junit.jupiter.api.Test;

/**
 * The looped GPT-2 against an independent plain-Java float64 unrolling (b copies of the same block fed z_t + e, each
 * iteration adding positions and applying LN_f), the truncated loss against its definition, gradients reaching only
 * the last T iterations, the injection seam, and bit-identical training reruns.
 */
class LoopedGpt2Test {
    /** Construction (DJL, float64) vs the plain-Java unrolling. */
    static final double FLOAT64_TOLERANCE = 1e-10;
    /** Gradients of two float64 constructions of the same function. */
    static final double GRADIENT_TOLERANCE = 1e-10;
    /** A truncated gradient must differ from the untruncated one by at least this (relative), or the test is void. */
    static final double MIN_TRUNCATION_EFFECT = 1e-3;
    static final PromptLayout LAYOUT = PromptLayout.named("interleaved");
    static final int D = 3;
    static final int N = 4;
    static final TaskConfig TASK = TaskConfig.gaussian(D, N, null, 0.0);

    /** 2 blocks per iteration, 2 heads, width 8, b = 4, T = 2; weights scaled up so iterations matter. */
    static LoopedGpt2Config config(int blocks, int loops, int window) {
        return new LoopedGpt2Config(new Gpt2Config(blocks, 2, 8, 16, D), loops, window);
    }

    static Gpt2Weights weights(Gpt2Config c, long seed) {
        Gpt2Weights w = Gpt2Weights.initialize(c, seed);
        SplittableRandom r = new SplittableRandom(seed + 1);
        Map<String, float[]> v = new LinkedHashMap<>();
        for (Map.Entry<String, float[]> e : w.values().entrySet()) {
            float[] a = e.getValue().clone();
            for (int i = 0; i < a.length; i++) { // non-trivial biases and gains, weights of order 1/√E
                a[i] = e.getKey().startsWith("_backbone") ? a[i] * 15 + (float) (0.1 * r.nextGaussian()) : a[i];
            }
            v.put(e.getKey(), a);
        }
        return new Gpt2Weights(c, v);
    }

    // ---- the plain-Java oracle: one prompt, tokens [T][W] ------------------------------------------------------

    /** The read-outs [t][T] after iterations 1..loops, unrolled by hand in double precision. */
    static double[][] unrolled(Gpt2Weights w, double[][] tokens, int loops, boolean injectAfterFirst) {
        Gpt2Config c = w.config();
        int t = tokens.length;
        int e = c.width();
        double[][] emb = new double[t][e];
        float[] win = w.values().get(Gpt2Parameters.READ_IN_WEIGHT); // [E, W]
        float[] bin = w.values().get(Gpt2Parameters.READ_IN_BIAS);
        float[] wpe = w.values().get(Gpt2Parameters.POSITIONS); // [P, E]
        for (int i = 0; i < t; i++) {
            for (int j = 0; j < e; j++) {
                double s = bin[j];
                for (int k = 0; k < c.inputWidth(); k++) {
                    s += tokens[i][k] * win[j * c.inputWidth() + k];
                }
                emb[i][j] = s;
            }
        }
        double[][] z = new double[t][e];
        double[][] out = new double[loops][t];
        for (int it = 1; it <= loops; it++) {
            double[][] r = new double[t][e];
            for (int i = 0; i < t; i++) {
                for (int j = 0; j < e; j++) {
                    r[i][j] = z[i][j] + (it == 1 || injectAfterFirst ? emb[i][j] : 0) + wpe[i * e + j];
                }
            }
            for (int l = 0; l < c.layers(); l++) {
                r = block(w, l, r);
            }
            z = layerNorm(r, w.values().get("_backbone.ln_f.weight"), w.values().get("_backbone.ln_f.bias"),
                    c.layerNormEps());
            float[] wout = w.values().get(Gpt2Parameters.READ_OUT_WEIGHT);
            for (int i = 0; i < t; i++) {
                double s = w.values().get(Gpt2Parameters.READ_OUT_BIAS)[0];
                for (int j = 0; j < e; j++) {
                    s += z[i][j] * wout[j];
                }
                out[it - 1][i] = s;
            }
        }
        return out;
    }

    static double[][] block(Gpt2Weights w, int l, double[][] r) {
        Gpt2Config c = w.config();
        int t = r.length;
        int e = c.width();
        int hw = c.headWidth();
        Map<String, float[]> v = w.values();
        double[][] a = layerNorm(r, v.get(Gpt2Parameters.block(l, "ln_1.weight")),
                v.get(Gpt2Parameters.block(l, "ln_1.bias")), c.layerNormEps());
        double[][] qkv = affine(a, v.get(Gpt2Parameters.block(l, "attn.c_attn.weight")),
                v.get(Gpt2Parameters.block(l, "attn.c_attn.bias")), 3 * e);
        double[][] mixed = new double[t][e];
        for (int h = 0; h < c.heads(); h++) {
            for (int q = 0; q < t; q++) {
                double[] s = new double[q + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int k = 0; k <= q; k++) {
                    double dot = 0;
                    for (int j = 0; j < hw; j++) {
                        dot += qkv[q][h * hw + j] * qkv[k][e + h * hw + j];
                    }
                    s[k] = dot / Math.sqrt(hw);
                    max = Math.max(max, s[k]);
                }
                double sum = 0;
                for (int k = 0; k <= q; k++) {
                    s[k] = Math.exp(s[k] - max);
                    sum += s[k];
                }
                for (int k = 0; k <= q; k++) {
                    for (int j = 0; j < hw; j++) {
                        mixed[q][h * hw + j] += s[k] / sum * qkv[k][2 * e + h * hw + j];
                    }
                }
            }
        }
        double[][] attn = affine(mixed, v.get(Gpt2Parameters.block(l, "attn.c_proj.weight")),
                v.get(Gpt2Parameters.block(l, "attn.c_proj.bias")), e);
        double[][] mid = new double[t][e];
        for (int i = 0; i < t; i++) {
            for (int j = 0; j < e; j++) {
                mid[i][j] = r[i][j] + attn[i][j];
            }
        }
        double[][] m = layerNorm(mid, v.get(Gpt2Parameters.block(l, "ln_2.weight")),
                v.get(Gpt2Parameters.block(l, "ln_2.bias")), c.layerNormEps());
        double[][] hidden = affine(m, v.get(Gpt2Parameters.block(l, "mlp.c_fc.weight")),
                v.get(Gpt2Parameters.block(l, "mlp.c_fc.bias")), 4 * e);
        for (double[] row : hidden) {
            for (int j = 0; j < row.length; j++) {
                double x = row[j];
                row[j] = 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
            }
        }
        double[][] mlp = affine(hidden, v.get(Gpt2Parameters.block(l, "mlp.c_proj.weight")),
                v.get(Gpt2Parameters.block(l, "mlp.c_proj.bias")), e);
        for (int i = 0; i < t; i++) {
            for (int j = 0; j < e; j++) {
                mid[i][j] += mlp[i][j];
            }
        }
        return mid;
    }

    /** x W + b with W stored [in, out] (Conv1D). */
    static double[][] affine(double[][] x, float[] w, float[] b, int out) {
        int in = x[0].length;
        double[][] y = new double[x.length][out];
        for (int i = 0; i < x.length; i++) {
            for (int o = 0; o < out; o++) {
                double s = b[o];
                for (int k = 0; k < in; k++) {
                    s += x[i][k] * w[k * out + o];
                }
                y[i][o] = s;
            }
        }
        return y;
    }

    static double[][] layerNorm(double[][] x, float[] g, float[] b, double eps) {
        double[][] y = new double[x.length][x[0].length];
        for (int i = 0; i < x.length; i++) {
            double mean = 0;
            for (double v : x[i]) {
                mean += v / x[i].length;
            }
            double var = 0;
            for (double v : x[i]) {
                var += (v - mean) * (v - mean) / x[i].length;
            }
            for (int j = 0; j < x[i].length; j++) {
                y[i][j] = (x[i][j] - mean) / Math.sqrt(var + eps) * g[j] + b[j];
            }
        }
        return y;
    }

    static double[][][] randomTokens(long seed, int b, int t, int w) {
        SplittableRandom r = new SplittableRandom(seed);
        double[][][] out = new double[b][t][w];
        for (double[][] p : out) {
            for (double[] row : p) {
                for (int k = 0; k < w; k++) {
                    row[k] = r.nextGaussian();
                }
            }
        }
        return out;
    }

    static NDArray array(NDManager m, double[][][] x) {
        int b = x.length;
        int t = x[0].length;
        int w = x[0][0].length;
        double[] flat = new double[b * t * w];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < t; j++) {
                System.arraycopy(x[i][j], 0, flat, (i * t + j) * w, w);
            }
        }
        return m.create(flat, new Shape(b, t, w));
    }

    // ---- tests ---------------------------------------------------------------------------------------------------

    /** Every read-out of 6 iterations (b = 4 trained, 2 beyond) equals the hand unrolling to 1e-10 in float64. */
    @Test
    void everyIterationEqualsTheUnrolledOracle() {
        LoopedGpt2Config cfg = config(2, 4, 2);
        Gpt2Weights w = weights(cfg.backbone(), 3);
        double[][][] tokens = randomTokens(5, 3, 9, D);
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            Map<String, NDArray> p = w.toArrays(m, DataType.FLOAT64);
            for (LoopInjection injection : List.of(LoopInjection.always(), LoopInjection.until(1))) {
                boolean always = injection.name().equals(LoopInjection.always().name());
                List<NDArray> outs = LoopedGpt2.outputs(cfg, p, array(m, tokens), 6, 1, 1, injection);
                assertEquals(6, outs.size());
                double spread = 0;
                for (int b = 0; b < tokens.length; b++) {
                    double[][] expected = unrolled(w, tokens[b], 6, always);
                    for (int it = 0; it < 6; it++) {
                        double[] got = outs.get(it).toDoubleArray();
                        for (int i = 0; i < 9; i++) {
                            assertEquals(expected[it][i], got[b * 9 + i], FLOAT64_TOLERANCE,
                                    injection.name() + ", prompt " + b + ", iteration " + (it + 1) + ", token " + i);
                            spread = Math.max(spread, Math.abs(expected[it][i] - expected[0][i]));
                        }
                    }
                }
                assertTrue(spread > 0.01, "the iterations must differ for the comparison to test the loop: " + spread);
            }
            // from = 3 returns iterations 3..6, the same numbers
            List<NDArray> tail = LoopedGpt2.outputs(cfg, p, array(m, tokens), 6, 3, 1, LoopInjection.always());
            List<NDArray> all = LoopedGpt2.outputs(cfg, p, array(m, tokens), 6, 1, 1, LoopInjection.always());
            assertEquals(4, tail.size());
            assertArrayEquals(all.get(2).toDoubleArray(), tail.get(0).toDoubleArray(), 0.0);
        }
    }

    /** With one iteration the looped model is the 1-pass GPT-2 with the same weights (e = read-in, z₀ = 0). */
    @Test
    void oneIterationIsTheUnloopedGpt2() {
        LoopedGpt2Config cfg = config(2, 1, 1);
        Gpt2Weights w = weights(cfg.backbone(), 4);
        double[][][] tokens = randomTokens(6, 2, 7, D);
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            Map<String, NDArray> p = w.toArrays(m, DataType.FLOAT64);
            double[] looped = LoopedGpt2.trainedOutputs(cfg, p, array(m, tokens)).get(0).toDoubleArray();
            double[] plain = Gpt2Transformer.outputs(cfg.backbone(), p, array(m, tokens)).toDoubleArray();
            assertArrayEquals(plain, looped, FLOAT64_TOLERANCE);
        }
    }

    /** loss = (1/T) Σ_{t=b−T+1..b} mean_{prompts, k}(ŷ_t,k − y_{k+1})², from the hand unrolling. */
    @Test
    void truncatedLossIsTheMeanOfGargsLossOverTheWindow() {
        LoopedGpt2Config cfg = config(1, 4, 2);
        Gpt2Weights w = weights(cfg.backbone(), 8);
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            PromptBatch batch = TaskSamplers.forTask(TASK).sample(m, 5, 11);
            PromptSet prompts = batch.toPromptSet();
            double[] tokens = LAYOUT.encode(prompts);
            int t = LAYOUT.length(N);
            double expected = 0;
            int count = 0;
            for (int b = 0; b < prompts.size(); b++) {
                double[][] tk = new double[t][D];
                for (int i = 0; i < t; i++) {
                    System.arraycopy(tokens, (b * t + i) * D, tk[i], 0, D);
                }
                double[][] out = unrolled(w, tk, 4, true);
                for (int it = 3; it <= 4; it++) {
                    for (int k = 0; k <= N; k++) {
                        double y = k < N ? prompts.y(b, k) : prompts.targets()[b];
                        double e = out[it - 1][LAYOUT.predictionPosition(N, k)] - y;
                        expected += e * e;
                        count++;
                    }
                }
            }
            expected /= count;
            LoopedGpt2Model model = LoopedGpt2Model.of(m, cfg, w, LAYOUT, DataType.FLOAT64);
            assertEquals(expected, model.loss(batch).getDouble(), FLOAT64_TOLERANCE * Math.max(1, expected));
        }
    }

    /**
     * The gradient of the truncated loss equals that of an explicit construction whose first b−T iterations use a
     * frozen copy of the parameters (so no gradient can reach them), and differs from the untruncated gradient.
     */
    @Test
    void gradientsReachOnlyTheLastTIterations() {
        LoopedGpt2Config cfg = config(1, 4, 2);
        Gpt2Weights w = weights(cfg.backbone(), 9);
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            PromptBatch batch = TaskSamplers.forTask(TASK).sample(m, 4, 12);
            NDArray tokens = LAYOUT.encode(batch.tokens().toType(DataType.FLOAT64, false));
            double[] truncated = gradient(m, w, p -> {
                LoopedGpt2Model model = LoopedGpt2Model.of(m, cfg, w, LAYOUT, DataType.FLOAT64);
                return model;
            }, batch);
            // explicit: iterations 1..b−T with frozen copies, then T iterations with the trained arrays
            double[] explicit;
            {
                Map<String, NDArray> live = w.toArrays(m, DataType.FLOAT64);
                Map<String, NDArray> frozen = w.toArrays(m, DataType.FLOAT64);
                for (NDArray a : live.values()) {
                    a.setRequiresGradient(true);
                }
                try (GradientCollector gc = m.getEngine().newGradientCollector()) {
                    NDArray eFrozen = Gpt2Transformer.readIn(frozen, tokens);
                    NDArray eLive = Gpt2Transformer.readIn(live, tokens);
                    long t = tokens.getShape().get(1);
                    NDArray mask = Gpt2Transformer.causalMask(tokens, t);
                    NDArray z = eFrozen.zerosLike();
                    List<NDArray> outs = new ArrayList<>();
                    for (int it = 1; it <= 4; it++) {
                        Map<String, NDArray> p = it <= 2 ? frozen : live;
                        NDArray e = it <= 2 ? eFrozen : eLive;
                        NDArray r = z.add(e).add(Gpt2Transformer.positions(p, t));
                        r = Gpt2Transformer.block(cfg.backbone(), p, 0, r, mask).residual();
                        z = Gpt2Transformer.finalNorm(cfg.backbone(), p, r);
                        if (it > 2) {
                            outs.add(Gpt2Transformer.readOut(p, z));
                        }
                    }
                    NDArray loss = null;
                    NDArray targets = batch.targets().toType(DataType.FLOAT64, false);
                    NDArray raw = batch.tokens().toType(DataType.FLOAT64, false);
                    for (NDArray o : outs) {
                        ai.djl.ndarray.NDList pl = predictions(o, raw, targets);
                        NDArray l = pl.get(0).sub(pl.get(1)).square().mean();
                        loss = loss == null ? l : loss.add(l);
                    }
                    gc.backward(loss.div(m.create(2.0)));
                }
                explicit = flatGradient(new ArrayList<>(live.values()));
            }
            double[] full = gradient(m, w, p -> LoopedGpt2Model.of(m, config(1, 4, 4), w, LAYOUT,
                    DataType.FLOAT64), batch);
            assertArrayEquals(explicit, truncated, GRADIENT_TOLERANCE);
            double diff = 0;
            double norm = 0;
            for (int i = 0; i < full.length; i++) {
                diff += Math.abs(full[i] - truncated[i]);
                norm += Math.abs(full[i]);
            }
            assertTrue(diff / norm > MIN_TRUNCATION_EFFECT, "truncation changed nothing: " + diff / norm);
        }
    }

    /** The labels at the prediction positions, as the model's loss builds them (k = 0..N). */
    static ai.djl.ndarray.NDList predictions(NDArray outputs, NDArray tokens, NDArray targets) {
        int[] at = LAYOUT.predictionPositions(N);
        long b = tokens.getShape().get(0);
        NDArray preds = outputs.get(new ai.djl.ndarray.index.NDIndex(":, {}",
                outputs.getManager().create(java.util.Arrays.stream(at).asLongStream().toArray())));
        NDArray labels = ai.djl.ndarray.NDArrays.concat(new ai.djl.ndarray.NDList(
                tokens.get(new ai.djl.ndarray.index.NDIndex(":, :" + N + ", -1")), targets.reshape(b, 1)), 1);
        return new ai.djl.ndarray.NDList(preds, labels);
    }

    private static double[] gradient(NDManager m, Gpt2Weights w,
            java.util.function.Function<Void, LoopedGpt2Model> make, PromptBatch batch) {
        LoopedGpt2Model model = make.apply(null);
        try (GradientCollector gc = m.getEngine().newGradientCollector()) {
            gc.backward(model.loss(batch));
        }
        return flatGradient(model.parameters());
    }

    private static double[] flatGradient(List<NDArray> params) {
        List<Double> out = new ArrayList<>();
        for (NDArray p : params) {
            for (double v : p.getGradient().toDoubleArray()) {
                out.add(v);
            }
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** Two trainings with the same seed give bit-identical weights and losses; another seed does not. */
    @Test
    void trainingRerunsAreBitIdentical() {
        LoopedGpt2Config cfg = new LoopedGpt2Config(new Gpt2Config(1, 2, 16, 16, D), 3, 2);
        Gpt2TrainingState a = train(cfg, 1);
        Gpt2TrainingState b = train(cfg, 1);
        Gpt2TrainingState c = train(cfg, 2);
        assertArrayEquals(a.losses(), b.losses());
        for (String name : a.weights().values().keySet()) {
            assertArrayEquals(a.weights().values().get(name), b.weights().values().get(name), name);
        }
        assertTrue(a.losses()[a.losses().length - 1] != c.losses()[c.losses().length - 1], "seed is ignored");
    }

    private static Gpt2TrainingState train(LoopedGpt2Config cfg, long seed) {
        TrainConfig tc = new TrainConfig(8, 16, 3e-3, 0.9, 0.999, 1e-8, 10.0, TrainConfig.COSINE, 1, 0.0, seed, 0,
                null);
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            LoopedGpt2Model model = LoopedGpt2Model.of(m, cfg, Gpt2Weights.initialize(cfg.backbone(), seed), LAYOUT,
                    DataType.FLOAT32);
            ModelTrainer<Gpt2TrainingState> t = LoopedGpt2Model.trainer(m, model, TASK, tc);
            t.run((step, loss, lr) -> { }, (s, status) -> "nowhere", StopSignal.never());
            return t.snapshot();
        }
    }

    @Test
    void configIsValidated() {
        Gpt2Config g = new Gpt2Config(1, 2, 8, 16, D);
        assertThrows(IllegalArgumentException.class, () -> new LoopedGpt2Config(g, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new LoopedGpt2Config(g, 3, 4));
        assertThrows(IllegalArgumentException.class, () -> new LoopedGpt2Config(g, 3, 0));
        assertEquals(2, new LoopedGpt2Config(g, 3, 2).firstTrainedLoop());
        assertEquals(g.parameterCount(), new LoopedGpt2Config(g, 5, 2).parameterCount());
    }
}
