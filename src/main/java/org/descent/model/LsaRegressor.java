package org.descent.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.List;
import org.descent.regressor.QuerySensitivity;
import org.descent.task.PromptSet;

/**
 * Any set of LSA weights (trained, or a hand-built construction) as an in-context regressor, evaluated in float64
 * on the device of {@code manager}. Sensitivities ∂ŷ/∂x_q come from DJL autograd.
 */
public final class LsaRegressor implements QuerySensitivity {
    private static final int CHUNK = 4096;
    private final String name;
    private final LsaWeights weights;
    private final NDManager manager;

    public LsaRegressor(String name, LsaWeights weights, NDManager manager) {
        this.name = name;
        this.weights = weights;
        this.manager = manager;
    }

    @Override
    public String name() {
        return name;
    }

    public LsaWeights weights() {
        return weights;
    }

    private void checkWidth(PromptSet prompts) {
        if (prompts.tokenDim() != weights.dim()) {
            throw new IllegalArgumentException(name + ": model expects tokens of width D=" + weights.dim()
                    + " (d=" + (weights.dim() - 1) + ") but prompts have d=" + prompts.d());
        }
    }

    private List<NDArray[]> arrays(NDManager scope) {
        List<NDArray[]> out = new ArrayList<>();
        int dim = weights.dim();
        for (LsaLayerWeights l : weights.layers()) {
            double[][] m = l.matrices();
            NDArray[] a = new NDArray[4];
            for (int k = 0; k < 4; k++) {
                a[k] = scope.create(m[k], new Shape(dim, dim));
            }
            out.add(a);
        }
        return out;
    }

    @Override
    public double[] predict(PromptSet prompts) {
        checkWidth(prompts);
        double[] out = new double[prompts.size()];
        for (int start = 0; start < prompts.size(); start += CHUNK) {
            int end = Math.min(prompts.size(), start + CHUNK);
            try (NDManager scope = manager.newSubManager()) {
                NDArray tokens = prompts.slice(start, end).tokensArray(scope, DataType.FLOAT64);
                NDArray preds = LinearSelfAttention.predict(tokens, arrays(scope), weights.depth());
                System.arraycopy(preds.toDoubleArray(), 0, out, start, end - start);
            }
        }
        return out;
    }

    /**
     * Hidden states after every layer, float64.
     *
     * @return {@code [L+1][B][T*D]}: entry 0 is the input
     */
    public double[][][] hiddenStates(PromptSet prompts) {
        checkWidth(prompts);
        try (NDManager scope = manager.newSubManager()) {
            NDArray tokens = prompts.tokensArray(scope, DataType.FLOAT64);
            NDArray hidden = LinearSelfAttention.forward(tokens, arrays(scope), weights.depth(), true).get(1);
            int layers = (int) hidden.getShape().get(0);
            int per = prompts.tokenDim() * (prompts.n() + 1);
            double[] flat = hidden.toDoubleArray();
            double[][][] out = new double[layers][prompts.size()][per];
            for (int l = 0; l < layers; l++) {
                for (int b = 0; b < prompts.size(); b++) {
                    System.arraycopy(flat, (l * prompts.size() + b) * per, out[l][b], 0, per);
                }
            }
            return out;
        }
    }

    @Override
    public double[][] queryJacobians(PromptSet prompts) {
        checkWidth(prompts);
        int d = prompts.d();
        double[][] out = new double[prompts.size()][];
        for (int start = 0; start < prompts.size(); start += CHUNK) {
            int end = Math.min(prompts.size(), start + CHUNK);
            try (NDManager scope = manager.newSubManager()) {
                NDArray tokens = prompts.slice(start, end).tokensArray(scope, DataType.FLOAT64);
                tokens.setRequiresGradient(true);
                synchronized (org.descent.regressor.Autograd.LOCK) {
                    try (GradientCollector gc = scope.getEngine().newGradientCollector()) {
                        gc.backward(LinearSelfAttention.predict(tokens, arrays(scope), weights.depth()).sum());
                    }
                }
                NDArray grad = tokens.getGradient();
                grad.attach(scope);
                // prompts are independent, so d(sum ŷ)/d x_q of prompt b is ∂ŷ_b/∂x_q
                double[] g = grad.get(new NDIndex(":, -1, :-1")).toDoubleArray(); // [B, d]
                for (int b = start; b < end; b++) {
                    out[b] = new double[d];
                    System.arraycopy(g, (b - start) * d, out[b], 0, d);
                }
            }
        }
        return out;
    }
}
