package org.descent.probe.builtin;

import ai.djl.ndarray.NDManager;
import java.util.Map;
import java.util.function.Function;
import org.descent.model.LsaRegressor;
import org.descent.model.LsaWeights;
import org.descent.probe.AlgorithmIterates;
import org.descent.probe.EvaluationCache;
import org.descent.probe.HiddenStates;
import org.descent.probe.ModelUnderTest;
import org.descent.probe.Probe;
import org.descent.probe.ProbeContext;
import org.descent.probe.ProbeParameters;
import org.descent.probe.PromptBootstrap;
import org.descent.probe.PromptSource;
import org.descent.probe.ReferenceAlgorithms;
import org.descent.probe.model.ModelLoader;
import org.descent.regressor.InContextRegressor;
import org.descent.task.PromptSet;
import org.descent.task.TaskConfig;

/** Models built to fool the per-position and per-layer verdict rules, and a context to run one probe on them. */
final class ProbeTestModels {
    private ProbeTestModels() {}

    /** An LSA with the given weights, with hidden states (concatenated layout). */
    static ModelUnderTest lsa(String name, LsaWeights w, TaskConfig task, NDManager manager) {
        LsaRegressor lsa = new LsaRegressor(name, w, manager);
        return ModelUnderTest.builder(lsa, task, ModelUnderTest.Origin.inMemory(name)).sensitivity(lsa)
                .lsaWeights(w).hiddenStates(p -> ModelLoader.fromPerLayer(lsa.hiddenStates(p), p)).build();
    }

    /**
     * A model whose residual stream after layer l = 1..L holds, at the query token, the prediction of Newton iterate
     * l ({@link AlgorithmIterates#newton}), written into a coordinate beside [x, y]; its output is iterate L. Token
     * width d + 2; concatenated layout.
     */
    static ModelUnderTest newtonLayers(TaskConfig task, int layers) {
        int[] its = new int[layers];
        for (int l = 0; l < layers; l++) {
            its[l] = l + 1;
        }
        return layered("Newton layers", task, layers, 1, prompts -> {
            double[][] nw = AlgorithmIterates.newton(prompts, its); // [L][B]
            double[][][] f = new double[layers][1][];
            for (int l = 0; l < layers; l++) {
                f[l][0] = nw[l];
            }
            return f;
        });
    }

    /**
     * A model whose layer l = 1..L holds {@code features.apply(prompts)[l − 1][c][b]} at the query token.
     *
     * @param features prompts → {@code [L][C][B]}
     */
    static ModelUnderTest layered(String name, TaskConfig task, int layers, int width,
            Function<PromptSet, double[][][]> features) {
        InContextRegressor r = new InContextRegressor() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public double[] predict(PromptSet prompts) {
                return features.apply(prompts)[layers - 1][0];
            }
        };
        return ModelUnderTest.builder(r, task, ModelUnderTest.Origin.inMemory(name)).hiddenStates(prompts -> {
            int b = prompts.size();
            int t = prompts.n() + 1;
            int d = prompts.d();
            int w = d + 1 + width;
            double[][][] f = features.apply(prompts); // [L][C][B]
            double[] tokens = prompts.flatTokens(); // [B, T, d+1]
            double[] v = new double[(layers + 1) * b * t * w];
            for (int l = 0; l <= layers; l++) {
                for (int p = 0; p < b; p++) {
                    for (int i = 0; i < t; i++) {
                        int at = ((l * b + p) * t + i) * w;
                        System.arraycopy(tokens, (p * t + i) * (d + 1), v, at, d + 1);
                        if (l > 0 && i == t - 1) {
                            for (int c = 0; c < width; c++) {
                                v[at + d + 1 + c] = f[l - 1][c][p];
                            }
                        }
                    }
                }
            }
            return new HiddenStates(layers + 1, b, t, w, v);
        }).build();
    }

    /** A context for {@code probe} on {@code model}: {@code test} prompts, 200 bootstrap resamples. */
    static ProbeContext context(Probe probe, ModelUnderTest model, int test, Map<String, Object> params,
            NDManager manager) {
        PromptSource prompts = new PromptSource(model.task(), manager, 11L, test);
        return new ProbeContext(model, ProbeParameters.resolve(probe.name(), probe.defaultParameters(), params, "test"),
                prompts, new ReferenceAlgorithms(prompts, 2000, null), new PromptBootstrap(200, 0.95, 5L), 5L,
                manager, new EvaluationCache(prompts.test()));
    }
}
