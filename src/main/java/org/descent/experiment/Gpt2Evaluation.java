package org.descent.experiment;

import ai.djl.ndarray.NDManager;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.descent.model.gpt2.Gpt2Regressor;
import org.descent.model.gpt2.Gpt2Weights;
import org.descent.oracle.GradientDescentOracle;
import org.descent.oracle.LeastSquaresOracle;
import org.descent.oracle.StepSizeFitter;
import org.descent.task.PromptSet;
import org.descent.task.Seeds;
import org.descent.task.TaskConfig;
import org.descent.task.TaskSampler;
import org.descent.task.TaskSamplers;
import org.descent.task.layout.PromptLayout;
import org.descent.util.RunMetrics;

/**
 * The training report of a GPT-2 run: error against the number of in-context examples k = 0..N (Garg et al. 2022,
 * Figure 2) of the model next to OLS (min-norm), one step of GD with η fitted per k, and the zero predictor, on
 * held-out prompts.
 *
 * <p>At prefix k every regressor predicts the label of the (k+1)-th input from the first k pairs (for k = N, the query):
 * the model in one causal pass ({@link Gpt2Regressor#prefixPredictions}), the oracles on the prompt cut to its first
 * k pairs with the (k+1)-th input as query ({@link #at}). The error is the mean squared error divided by the zero
 * predictor's mean squared error over all positions (about 1 at every k, and d·s for x with E[x²] = s before the
 * division). One-step GD's η is fitted per k on a separate set of prompts. With a layout that predicts only at the
 * query, only k = N is measured.
 *
 * @param k prefix lengths
 * @param model the model's normalised error per k
 * @param ols OLS (min-norm least squares) per k
 * @param gd one GD step from w = 0 with the fitted η per k
 * @param zero the zero predictor per k
 * @param eta the fitted η per k (NaN at k = 0)
 * @param normaliser the zero predictor's MSE over all positions (what the errors are divided by)
 * @param prompts held-out prompts
 */
public record Gpt2Evaluation(int[] k, double[] model, double[] ols, double[] gd, double[] zero, double[] eta,
        double normaliser, int prompts) {

    /** Evaluates {@code weights} on {@code count} held-out prompts of {@code task} (and as many for fitting η). */
    public static Gpt2Evaluation run(Gpt2Weights weights, PromptLayout layout, TaskConfig task, long seed, int count,
            NDManager manager) {
        TaskSampler sampler = TaskSamplers.forTask(task);
        PromptSet test = sampler.samplePromptSet(manager, count, Seeds.derive(seed, Seeds.TEST, 0));
        PromptSet fit = sampler.samplePromptSet(manager, count, Seeds.derive(seed, Seeds.SEARCH, 0));
        Gpt2Regressor regressor = new Gpt2Regressor("gpt2", weights, layout, manager);
        int n = task.n();
        int from = layout.predictsEveryPrefix() ? 0 : n;
        int[] ks = new int[n + 1 - from];
        double[][] curves = new double[4][ks.length];
        double[] etas = new double[ks.length];
        double[] modelPreds = layout.predictsEveryPrefix() ? regressor.prefixPredictions(test) : regressor.predict(test);
        int width = layout.predictsEveryPrefix() ? n + 1 : 1;
        double norm = 0;
        for (int k = from; k <= n; k++) {
            for (double y : labels(test, k)) {
                norm += y * y;
            }
        }
        norm /= (double) count * ks.length;
        for (int i = 0; i < ks.length; i++) {
            int k = from + i;
            ks[i] = k;
            double[] y = labels(test, k);
            double[] m = new double[count];
            for (int b = 0; b < count; b++) {
                m[b] = modelPreds[b * width + (width == 1 ? 0 : k)];
            }
            double[] zeros = new double[count];
            curves[0][i] = mse(m, y) / norm;
            curves[3][i] = mse(zeros, y) / norm;
            if (k == 0) { // no examples: every estimator from w = 0 predicts 0
                curves[1][i] = curves[3][i];
                curves[2][i] = curves[3][i];
                etas[i] = Double.NaN;
            } else {
                PromptSet p = at(test, k);
                curves[1][i] = mse(LeastSquaresOracle.ols().predict(p), y) / norm;
                etas[i] = StepSizeFitter.gd(at(fit, k), 1).etas()[0];
                curves[2][i] = mse(GradientDescentOracle.oneStep(etas[i]).predict(p), y) / norm;
            }
        }
        return new Gpt2Evaluation(ks, curves[0], curves[1], curves[2], curves[3], etas, norm, count);
    }

    /**
     * The prompts cut to their first {@code k} pairs with the (k+1)-th input as the query and its label as the target
     * (for k = N the prompts themselves). Requires k ≥ 1 below N to leave a context.
     */
    public static PromptSet at(PromptSet prompts, int k) {
        int n = prompts.n();
        if (k == n) {
            return prompts;
        }
        int d = prompts.d();
        int dd = d + 1;
        double[] src = prompts.flatTokens();
        double[] tokens = new double[prompts.size() * (k + 1) * dd];
        double[] targets = new double[prompts.size()];
        for (int b = 0; b < prompts.size(); b++) {
            System.arraycopy(src, b * (n + 1) * dd, tokens, b * (k + 1) * dd, (k + 1) * dd);
            tokens[(b * (k + 1) + k) * dd + d] = 0; // the (k+1)-th input becomes the query: its label hidden
            targets[b] = prompts.y(b, k);
        }
        return new PromptSet(d, k, tokens, targets);
    }

    /** The label of the (k+1)-th input of every prompt (for k = N the query's target). */
    static double[] labels(PromptSet prompts, int k) {
        if (k == prompts.n()) {
            return prompts.targets();
        }
        double[] y = new double[prompts.size()];
        for (int b = 0; b < y.length; b++) {
            y[b] = prompts.y(b, k);
        }
        return y;
    }

    private static double mse(double[] p, double[] y) {
        double s = 0;
        for (int i = 0; i < y.length; i++) {
            s += (p[i] - y[i]) * (p[i] - y[i]);
        }
        return s / y.length;
    }

    /** Display names of the curves, by key. */
    public static final Map<String, String> LABELS = Map.of("gpt2", "trained GPT-2", "ols", "OLS (min-norm)",
            "gd_fitted", "one GD step (η fitted per k)", "zero", "zero predictor");

    /** The curves as named series, in the order model, OLS, GD, zero. */
    public Map<String, double[]> curves() {
        Map<String, double[]> out = new LinkedHashMap<>();
        out.put("gpt2", model);
        out.put("ols", ols);
        out.put("gd_fitted", gd);
        out.put("zero", zero);
        return out;
    }

    /** Adds the series {@code error_vs_k.<curve>}, the fitted η and the query-position errors to {@code metrics}. */
    public RunMetrics addTo(RunMetrics metrics) {
        double[] x = new double[k.length];
        for (int i = 0; i < k.length; i++) {
            x[i] = k[i];
        }
        for (Map.Entry<String, double[]> e : curves().entrySet()) {
            metrics.series("error_vs_k." + e.getKey(), LABELS.get(e.getKey()), "in-context examples k", x,
                    "MSE / zero predictor's MSE", e.getValue());
            metrics.metric("error_at_query." + e.getKey(), LABELS.get(e.getKey()) + ": normalised error at k = N",
                    e.getValue()[k.length - 1]);
        }
        metrics.array("eta_fitted", "one GD step: η fitted per k", eta);
        metrics.metric("normaliser", "zero predictor's MSE over all positions", normaliser);
        metrics.metric("eval_prompts", "held-out prompts", prompts);
        return metrics;
    }

    /** A Markdown table: k, the four errors and η. */
    public String table() {
        StringBuilder b = new StringBuilder("| k | GPT-2 | OLS | GD (η fitted) | zero | η |\n|---|---|---|---|---|---|\n");
        for (int i = 0; i < k.length; i++) {
            b.append(String.format(Locale.ROOT, "| %d | %.4f | %.4f | %.4f | %.4f | %s |%n", k[i], model[i], ols[i],
                    gd[i], zero[i], Double.isNaN(eta[i]) ? "–" : String.format(Locale.ROOT, "%.4f", eta[i])));
        }
        return b.toString();
    }
}
