package org.descent.oracle;

import org.descent.regressor.QuerySensitivity;
import org.descent.task.PromptSet;

/**
 * k-nearest-neighbours regression within each prompt (the baseline of Garg et al. 2022, k = 3): ŷ is the mean label
 * of the k context examples whose inputs are closest to x_q in Euclidean distance (ties broken by the lower index;
 * all N examples when N < k).
 *
 * <p>Dimension glossary: {@code N} context examples, {@code d} input dimension.
 *
 * <p>ŷ is piecewise constant in x_q, so {@code ∂ŷ/∂x_q = 0} almost everywhere; {@link #queryJacobians} reports that.
 */
public final class NearestNeighborsOracle implements QuerySensitivity {
    /** The k of Garg et al. */
    public static final int DEFAULT_K = 3;
    private final int k;

    public NearestNeighborsOracle(int k) {
        if (k <= 0) {
            throw new IllegalArgumentException("k-NN: k must be positive, got " + k);
        }
        this.k = k;
    }

    /** 3-nearest neighbours. */
    public static NearestNeighborsOracle threeNearest() {
        return new NearestNeighborsOracle(DEFAULT_K);
    }

    public int k() {
        return k;
    }

    @Override
    public String name() {
        return k + "-NN";
    }

    @Override
    public double[] predict(PromptSet prompts) {
        int n = prompts.n();
        int d = prompts.d();
        int use = Math.min(k, n);
        double[] out = new double[prompts.size()];
        double[] dist = new double[n];
        boolean[] taken = new boolean[n];
        for (int b = 0; b < prompts.size(); b++) {
            for (int i = 0; i < n; i++) {
                double s = 0;
                for (int a = 0; a < d; a++) {
                    double diff = prompts.x(b, i, a) - prompts.xq(b, a);
                    s += diff * diff;
                }
                dist[i] = s;
                taken[i] = false;
            }
            double sum = 0;
            for (int j = 0; j < use; j++) {
                int best = -1;
                for (int i = 0; i < n; i++) {
                    if (!taken[i] && (best < 0 || dist[i] < dist[best])) {
                        best = i;
                    }
                }
                taken[best] = true;
                sum += prompts.y(b, best);
            }
            out[b] = sum / use;
        }
        return out;
    }

    @Override
    public double[][] queryJacobians(PromptSet prompts) {
        return new double[prompts.size()][prompts.d()];
    }
}
