package org.descent.model;

import static org.descent.TestSupport.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.SplittableRandom;
import org.descent.oracle.GradientDescentOracle;
import org.descent.oracle.OneStepGdConstruction;
import org.descent.task.PromptSet;
import org.descent.task.TaskConfig;
import org.descent.task.TaskSamplers;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The LSA forward pass against an explicit per-token EJML evaluation of the README's LSA contract, and the one-step GD
 * construction against the GD oracle: three implementations of one contract.
 */
class LinearSelfAttentionTest {
    /** float64 evaluations of the same arithmetic agree to rounding. */
    static final double FLOAT64_TOL = 1e-10;
    /** float32 model vs double oracle: a few ulps of float32 on values of order 1–10. */
    static final double FLOAT32_TOL = 2e-5;

    static NDManager manager;

    @BeforeAll
    static void open() {
        manager = NDManager.newBaseManager(Device.cpu());
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    static LsaWeights randomWeights(int dim, int layers, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<LsaLayerWeights> ls = new java.util.ArrayList<>();
        for (int l = 0; l < layers; l++) {
            double[][] m = new double[4][dim * dim];
            for (double[] a : m) {
                for (int i = 0; i < a.length; i++) {
                    a[i] = rng.nextGaussian() * 0.5;
                }
            }
            ls.add(new LsaLayerWeights(dim, m[0], m[1], m[2], m[3]));
        }
        return LsaWeights.of(ls);
    }

    /** The README's LSA update written token by token: e_j ← e_j + P W_V Σ_{i<N} e_i (e_iᵀ W_Kᵀ W_Q e_j) / N. */
    static double[] explicitForward(LsaWeights w, PromptSet prompts) {
        int dim = prompts.tokenDim();
        int t = prompts.n() + 1;
        double[] flat = prompts.flatTokens();
        double[] out = new double[prompts.size()];
        for (int b = 0; b < prompts.size(); b++) {
            DMatrixRMaj[] e = new DMatrixRMaj[t];
            for (int j = 0; j < t; j++) {
                e[j] = new DMatrixRMaj(dim, 1);
                System.arraycopy(flat, (b * t + j) * dim, e[j].data, 0, dim);
            }
            for (int l = 0; l < w.depth(); l++) {
                LsaLayerWeights layer = w.layer(l);
                DMatrixRMaj wq = DMatrixRMaj.wrap(dim, dim, layer.wq());
                DMatrixRMaj wk = DMatrixRMaj.wrap(dim, dim, layer.wk());
                DMatrixRMaj wv = DMatrixRMaj.wrap(dim, dim, layer.wv());
                DMatrixRMaj p = DMatrixRMaj.wrap(dim, dim, layer.p());
                DMatrixRMaj[] next = new DMatrixRMaj[t];
                for (int j = 0; j < t; j++) {
                    DMatrixRMaj q = new DMatrixRMaj(dim, 1);
                    CommonOps_DDRM.mult(wq, e[j], q);
                    DMatrixRMaj sum = new DMatrixRMaj(dim, 1);
                    for (int i = 0; i < prompts.n(); i++) {
                        DMatrixRMaj k = new DMatrixRMaj(dim, 1);
                        CommonOps_DDRM.mult(wk, e[i], k);
                        double score = CommonOps_DDRM.dot(k, q);
                        CommonOps_DDRM.addEquals(sum, score / prompts.n(), e[i]);
                    }
                    DMatrixRMaj v = new DMatrixRMaj(dim, 1);
                    CommonOps_DDRM.mult(wv, sum, v);
                    DMatrixRMaj pv = new DMatrixRMaj(dim, 1);
                    CommonOps_DDRM.mult(p, v, pv);
                    next[j] = e[j].copy();
                    CommonOps_DDRM.addEquals(next[j], pv);
                }
                e = next;
            }
            out[b] = -e[t - 1].get(dim - 1, 0);
        }
        return out;
    }

    static PromptSet prompts(int d, int n, int count, long seed) {
        return TaskSamplers.forTask(new TaskConfig(d, n, "gaussian", 1.0, 0.1)).samplePromptSet(manager, count, seed);
    }

    /** Token widths D = 4 (a multiple of the kernel alignment), 5 and 11 (zero-padded to 8 and 12 inside). */
    @Test
    void associativeForwardEqualsTokenByTokenFormula() {
        for (int d : new int[] {3, 4, 10}) {
            PromptSet p = prompts(d, 5, 64, 11);
            for (int layers : new int[] {1, 2, 3}) {
                LsaWeights w = scaled(randomWeights(d + 1, layers, 7 + layers), 2.0 / Math.sqrt(d + 1));
                assertClose(new LsaRegressor("lsa", w, manager).predict(p), explicitForward(w, p), FLOAT64_TOL,
                        layers + "-layer LSA at D = " + (d + 1) + " vs explicit formula");
            }
        }
    }

    @Test
    void productsRunAtAWidthRoundedUpToTheKernelAlignment() {
        assertEquals(4, LinearSelfAttention.paddedWidth(3));
        assertEquals(4, LinearSelfAttention.paddedWidth(4));
        assertEquals(8, LinearSelfAttention.paddedWidth(5));
        assertEquals(12, LinearSelfAttention.paddedWidth(11));
        assertEquals(24, LinearSelfAttention.paddedWidth(21));
    }

    @Test
    void weightTiedModelAppliesOneLayerRepeatedly() {
        PromptSet p = prompts(3, 6, 32, 12);
        LsaLayerWeights layer = randomWeights(4, 1, 3).layer(0);
        LsaWeights tied = new LsaWeights(List.of(layer), 3);
        LsaWeights untied = LsaWeights.of(List.of(layer, layer, layer));
        assertClose(new LsaRegressor("tied", tied, manager).predict(p),
                new LsaRegressor("untied", untied, manager).predict(p), FLOAT64_TOL, "tied vs repeated layers");
    }

    @Test
    void oneStepConstructionEqualsGdOracleInFloat64() {
        PromptSet p = prompts(10, 10, 256, 13);
        double eta = 0.731;
        LsaRegressor construction = new LsaRegressor("GD", OneStepGdConstruction.weights(10, eta), manager);
        GradientDescentOracle oracle = GradientDescentOracle.oneStep(eta);
        assertClose(construction.predict(p), oracle.predict(p), FLOAT64_TOL, "construction vs oracle predictions");
        assertClose(construction.queryJacobians(p), oracle.queryJacobians(p), FLOAT64_TOL,
                "construction autograd Jacobians vs oracle w₁");
    }

    @Test
    void float32BlockWithConstructionEqualsOracleToFloat32Precision() {
        PromptSet p = prompts(10, 10, 512, 14);
        double eta = 1.51515;
        try (NDManager scope = manager.newSubManager()) {
            LsaTransformerBlock block = LsaTransformerBlock.withWeights(scope, OneStepGdConstruction.weights(10, eta));
            NDArray tokens = p.tokensArray(scope, DataType.FLOAT32);
            double[] preds = block.forward(tokens, false).head().toType(DataType.FLOAT64, false).toDoubleArray();
            // the float32 model sees float32-rounded prompts; compare with the oracle on the same rounded values
            PromptSet rounded = PromptSet.of(tokens, p.targetsArray(scope, DataType.FLOAT32));
            assertClose(preds, GradientDescentOracle.oneStep(eta).predict(rounded), FLOAT32_TOL,
                    "float32 LSA block vs EJML oracle");
        }
    }

    @Test
    void hiddenStatesStartWithInputAndEndWithReadout() {
        PromptSet p = prompts(2, 4, 8, 15);
        LsaWeights w = randomWeights(3, 2, 5);
        double[][][] hidden = new LsaRegressor("lsa", w, manager).hiddenStates(p);
        assertEquals(3, hidden.length);
        double[] flat = p.flatTokens();
        int per = 5 * 3;
        double[] preds = new LsaRegressor("lsa", w, manager).predict(p);
        for (int b = 0; b < p.size(); b++) {
            assertClose(hidden[0][b], java.util.Arrays.copyOfRange(flat, b * per, (b + 1) * per), 0, "hidden[0]");
            assertClose(new double[] {-hidden[2][b][per - 1]}, new double[] {preds[b]}, FLOAT64_TOL, "readout");
        }
    }

    @Test
    void blockOutputsHiddenStatesOfContractShape() {
        try (NDManager scope = manager.newSubManager()) {
            LsaTransformerBlock block = LsaTransformerBlock.withWeights(scope, randomWeights(5, 2, 1));
            NDList out = block.forward(scope.randomNormal(new Shape(7, 9, 5)), true);
            assertEquals(new Shape(7), out.get(0).getShape());
            assertEquals(new Shape(3, 7, 9, 5), out.get(1).getShape());
        }
    }

    @Test
    void predictEqualsTheFullForwardsReadoutInFloat32() {
        PromptSet p = prompts(5, 7, 256, 17);
        // weights of scale 0.25 keep 3-layer predictions O(1-100), where float32 rounding is the only difference
        LsaLayerWeights shared = scaled(randomWeights(6, 1, 31), 0.5).layer(0);
        for (LsaWeights w : List.of(scaled(randomWeights(6, 1, 21), 0.5), scaled(randomWeights(6, 3, 22), 0.5),
                new LsaWeights(List.of(shared), 3))) {
            try (NDManager scope = manager.newSubManager()) {
                LsaTransformerBlock block = LsaTransformerBlock.withWeights(scope, w);
                NDArray tokens = p.tokensArray(scope, DataType.FLOAT32);
                double[] fast = block.predict(tokens).toType(DataType.FLOAT64, false).toDoubleArray();
                double[] full = block.forward(tokens, false).head().toType(DataType.FLOAT64, false).toDoubleArray();
                assertClose(fast, full, FLOAT32_TOL, w.depth() + "-layer" + (w.weightTied() ? " tied" : "")
                        + " predict vs forward readout");
            }
        }
    }

    /**
     * The gradient training uses (autograd through {@link LinearSelfAttention#predict}) against central finite
     * differences of the loss under the token-by-token EJML formula, for every weight of a 2-layer model.
     */
    @Test
    void trainingGradientEqualsFiniteDifferencesOfTheExplicitFormula() {
        PromptSet p = prompts(2, 4, 8, 18);
        LsaWeights w = randomWeights(3, 2, 23);
        double[] y = p.targets();
        double[] autograd = new double[2 * 4 * 9];
        try (NDManager scope = manager.newSubManager()) {
            List<NDArray[]> arrays = new java.util.ArrayList<>();
            for (LsaLayerWeights l : w.layers()) {
                NDArray[] a = new NDArray[4];
                for (int k = 0; k < 4; k++) {
                    a[k] = scope.create(l.matrices()[k], new Shape(3, 3));
                    a[k].setRequiresGradient(true);
                }
                arrays.add(a);
            }
            NDArray tokens = p.tokensArray(scope, DataType.FLOAT64);
            try (ai.djl.training.GradientCollector gc = scope.getEngine().newGradientCollector()) {
                NDArray preds = LinearSelfAttention.predict(tokens, arrays, 2);
                gc.backward(preds.sub(scope.create(y)).square().mean());
            }
            for (int l = 0; l < 2; l++) {
                for (int k = 0; k < 4; k++) {
                    double[] g = arrays.get(l)[k].getGradient().toDoubleArray();
                    System.arraycopy(g, 0, autograd, (4 * l + k) * 9, 9);
                }
            }
        }
        double h = 1e-6;
        double[] numeric = new double[autograd.length];
        for (int i = 0; i < numeric.length; i++) {
            numeric[i] = (mse(perturbed(w, i, h), p, y) - mse(perturbed(w, i, -h), p, y)) / (2 * h);
        }
        assertClose(autograd, numeric, FINITE_DIFFERENCE_TOL, "dLoss/dW: autograd of predict vs finite differences");
    }

    /** Central differences with h = 1e-6 in float64: truncation O(h²) and rounding O(ε/h) ≈ 1e-10 on O(1) values. */
    static final double FINITE_DIFFERENCE_TOL = 1e-6;

    private static double mse(LsaWeights w, PromptSet p, double[] y) {
        double[] preds = explicitForward(w, p);
        double s = 0;
        for (int b = 0; b < y.length; b++) {
            s += (preds[b] - y[b]) * (preds[b] - y[b]);
        }
        return s / y.length;
    }

    private static LsaWeights scaled(LsaWeights w, double factor) {
        List<LsaLayerWeights> layers = new java.util.ArrayList<>();
        for (LsaLayerWeights l : w.layers()) {
            double[][] m = new double[4][];
            for (int k = 0; k < 4; k++) {
                m[k] = l.matrices()[k].clone();
                for (int i = 0; i < m[k].length; i++) {
                    m[k][i] *= factor;
                }
            }
            layers.add(new LsaLayerWeights(l.dim(), m[0], m[1], m[2], m[3]));
        }
        return LsaWeights.of(layers);
    }

    /** {@code w} with weight entry {@code index} (layer-major, W_Q, W_K, W_V, P, row-major) moved by {@code delta}. */
    private static LsaWeights perturbed(LsaWeights w, int index, double delta) {
        int dim = w.dim();
        int per = dim * dim;
        List<LsaLayerWeights> layers = new java.util.ArrayList<>();
        for (int l = 0; l < w.layers().size(); l++) {
            double[][] m = new double[4][];
            for (int k = 0; k < 4; k++) {
                m[k] = w.layer(l).matrices()[k].clone();
                int at = index - (4 * l + k) * per;
                if (at >= 0 && at < per) {
                    m[k][at] += delta;
                }
            }
            layers.add(new LsaLayerWeights(dim, m[0], m[1], m[2], m[3]));
        }
        return LsaWeights.of(layers);
    }

    @Test
    void wrongWidthIsAClearError() {
        PromptSet p = prompts(3, 4, 4, 16);
        LsaRegressor r = new LsaRegressor("lsa", randomWeights(6, 1, 1), manager);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> r.predict(p));
        assertEquals(true, e.getMessage().contains("D=6"), e.getMessage());
    }
}
