package org.descent.probe.builtin;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.descent.compare.Bootstrap;
import org.descent.oracle.LeastSquaresOracle;
import org.descent.probe.AlgorithmIterates;
import org.descent.probe.Controls;
import org.descent.probe.Evidence;
import org.descent.probe.LinearReadout;
import org.descent.probe.ModelUnderTest;
import org.descent.probe.Outcome;
import org.descent.probe.PrefixEvaluation;
import org.descent.probe.Probe;
import org.descent.probe.ProbeContext;
import org.descent.probe.ProbeResult;
import org.descent.probe.PromptBootstrap;
import org.descent.probe.ResidualStream;
import org.descent.probe.Verdict;
import org.descent.report.HeatMap;
import org.descent.report.Plots;
import org.descent.task.PromptSet;

/**
 * {@code layer-iterations} (Fu et al. 2023, "Transformers learn higher-order optimization methods for in-context
 * learning"): do successive layers compute successive iterates of gradient descent, or of Iterative Newton?
 *
 * <p>Dimension glossary: {@code L} layers (state 0 is the input to the first layer), {@code K} prefix lengths
 * (positions) k = {@code minContext}..N, {@code F} fit prompts, {@code J} judge prompts, {@code D_h} residual width,
 * {@code T_GD}, {@code T_N} iterates of GD and Newton compared.
 *
 * <p>Method:
 * <ol>
 *   <li><b>Read-outs.</b> For every layer l = 0..L, the residual stream at the prediction after k pairs
 *       ({@link ResidualStream}: the layout's prediction position, or the query of the k-shot prompt) is mapped to
 *       the label by a closed-form least-squares read-out with intercept ({@link LinearReadout}), one per layer,
 *       pooled over positions, fitted on the first {@code prompts} prompts of the fit split and applied to the first
 *       {@code prompts} of the judge split: ŷ^(l)_{b,k}.</li>
 *   <li><b>Iterates.</b> On the same judge prompts and positions, GD iterate t on the first k pairs
 *       (t on a log grid 1, 2, 3, 4, 6, 8, 12, … ≤ {@code gdMaxSteps}; step {@code gdStepSize} when > 0, else
 *       <b>fitted on the fit split</b>: the per-prompt 1/λ_max(S) step or one fixed η shared by every layer and
 *       position, whichever minimises {@code Σ_{l ≥ 1} min_t RD(l, t)} of the fit-split read-outs, see
 *       {@link #fitStep}; GD's one free parameter, Newton has none) and Iterative Newton iterate
 *       t = 1..{@code newtonMaxIterations} ({@link AlgorithmIterates}).</li>
 *   <li><b>SimE</b> (similarity of errors, Fu et al.): per judge prompt b, the error vectors over positions
 *       {@code e_b = (ŷ_{b,k} − y_{b,k})_k} of the read-out and of the iterate, their cosine, averaged over prompts:
 *       {@code SimE(l, t) = (1/J) Σ_b cos(e_b^(l), e_b^(t))} (0 for a zero error vector). Layer l's best match in a
 *       family is {@code t*(l) = argmax_t SimE(l, t)}.</li>
 * </ol>
 *
 * <p>Which iterate a layer matches is decided on predictions, not on SimE: a read-out fitted to the label rescales
 * whatever the layer holds (an under-fitted iterate is scaled up), and the error vectors of every weak predictor
 * point along −y, so SimE saturates (measured: 0.94 vs 0.93 for a model whose layers hold Newton iterates). Each
 * iterate is therefore passed through the same kind of map as a read-out ({@code c₀ + c ŷ_t}, least squares to the
 * labels on the fit split), and {@code RD(l, t) = Σ (ŷ^(l) − ŷ_t)² / Σ (ŷ^(l))²} over judge prompts and positions is
 * the relative distance; layer l's match in a family is {@code t*(l) = argmin_t RD(l, t)}.
 *
 * <p>Verdicts (layers l = 1..L; intervals: percentile bootstrap over judge prompts, every argmin recomputed in each
 * resample):
 * <ul>
 *   <li>{@value #LAYERWISE_GD} ("layers implement GD steps"): <b>sufficient</b>
 *       {@code Δ = mean_l [log₁₀ min_t RD_Newton(l, t) − log₁₀ min_t RD_GD(l, t)] ≥ minLog10Margin} (GD's closest
 *       iterate is closer, by a factor 2 at the default 0.3); <b>necessary</b> every layer holds a GD iterate,
 *       {@code max_l min_t RD_GD(l, t) ≤ maxRelativeSpd} (a mean of log ratios can be carried by one exactly matched
 *       layer: noise, noise, GD step 32 gave Δ = 0.60 [0.56, 0.64]), and (L ≥ 2) the matched GD step grows with
 *       depth, {@code log₂ t*(L) − log₂ t*(1) > 0};</li>
 *   <li>{@value #LAYERWISE_NEWTON} ("layers implement Newton steps"): the mirror image, with −Δ and Newton's
 *       {@code t*(L) − t*(1) > 0}.</li>
 *   <li><b>limit check</b> (both): both families converge to min-norm OLS, so a last layer that holds OLS matches
 *       the latest iterate on the grid of whichever family converges faster (one OLS layer: {@code gd-steps}, Δ =
 *       0.72). Unless {@code log₁₀ RD_OLS(L) − log₁₀ min_t RD(L, t) ≥ minLog10Margin} on its interval (the matched
 *       iterate is closer than the limit), a consistent verdict is downgraded to inconclusive; the check never
 *       refutes.</li>
 *   <li><b>competing-family check</b> (both): a read-out fitted to the label picks the label-best mix of what a
 *       layer holds, so a layer holding a GD and a Newton iterate side by side was read as GD. For every layer and
 *       every iterate t of both families, a read-out is fitted (fit split) to the iterate's prediction itself and
 *       judged (judge split) by the decoding RD {@code DRD(l, t) = Σ (r_{l,t}(h) − ŷ_t)² / Σ ŷ_t²}. Unless
 *       {@code min_l [log₁₀ min_t DRD_other(l, t) − log₁₀ min_t DRD_own(l, t)] ≥ minLog10Margin} on its interval
 *       (every layer encodes its own family's best iterate better, by a factor 2, than any iterate of the
 *       competitor), a consistent verdict is downgraded to inconclusive; the check never refutes.</li>
 * </ul>
 * The layer verdict is "gd-steps" or "newton-steps" when that hypothesis is consistent, else "inconclusive".
 * A random initialisation of the same architecture ({@link Controls#randomInit}) is analysed on the same prompts
 * and shown beside the model; a consistent verdict that the control does not refute (control not inconsistent) is
 * downgraded to inconclusive. Also reported (Fu et al.'s growth claim): the least-squares slope of Newton's t*(l)
 * against l (linear growth) and of GD's log₂ t*(l) against l (exponential growth), with intervals.
 */
public final class LayerIterationsProbe implements Probe {
    public static final String NAME = "layer-iterations";
    /** Successive layers track GD iterates better than Newton iterates. */
    public static final String LAYERWISE_GD = "layerwise-gd";
    /** Successive layers track Iterative Newton iterates better than GD iterates. */
    public static final String LAYERWISE_NEWTON = "layerwise-newton";
    /** A zero error vector has no direction: its cosine counts as 0 below this norm. */
    static final double ZERO_NORM = 1e-12;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "per layer, linear read-outs vs GD and Iterative Newton iterates (SimE heat maps, Fu et al. 2023;"
                + " needs hidden states or residual hooks)";
    }

    @Override
    public Map<String, Object> defaultParameters() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("prompts", 500);
        m.put("minContext", 1);
        m.put("gdMaxSteps", 256);
        m.put("gdStepSize", 0.0);
        m.put("newtonMaxIterations", 10);
        m.put("minLog10Margin", 0.3);
        m.put("maxRelativeSpd", 0.05);
        return m;
    }

    @Override
    public Optional<String> unsupportedReason(ModelUnderTest model) {
        return ResidualStream.unavailable(model);
    }

    /**
     * The settings of one analysis.
     *
     * @param ks prefix lengths (positions) compared, ascending
     * @param gdSteps GD iterates, ascending log grid
     * @param newtonIterations Newton iterates 1..T_N
     * @param gdStepSize a given fixed GD step, or 0 to fit the step on the fit split ({@link #fitStep})
     */
    public record Settings(int[] ks, int[] gdSteps, int[] newtonIterations, double gdStepSize) {
        public Settings {
            if (ks.length == 0 || gdSteps.length == 0 || newtonIterations.length == 0) {
                throw new IllegalArgumentException("layer-iterations: positions and iterates must not be empty");
            }
            ks = ks.clone();
            gdSteps = gdSteps.clone();
            newtonIterations = newtonIterations.clone();
        }
    }

    /**
     * How the GD step was chosen. GD gets this one fitted parameter; Newton (α_b = 1/λ_max(S_b)² per prompt) none.
     *
     * @param eta the step used: a fixed step, or 0 for the per-prompt 1/λ_max(S_b)
     * @param fitted whether it was fitted on the fit split ({@code gdStepSize} 0), else given
     * @param objective the fit-split objective {@code Σ_{l ≥ 1} min_t RD_fit(l, t)} at eta (NaN when given)
     * @param perPromptObjective the objective of the per-prompt 1/λ_max step (NaN when given)
     * @param typicalStep η₀, the median of 1/λ_max(S) over the fit prompts at the largest k: the fixed steps tried
     *     are η₀ · 2^(i/2), i = −16..2, refined by golden-section search (NaN when given)
     * @param bestFixedStep the best fixed step found, whether or not it won (NaN when given)
     * @param bestFixedObjective its objective (NaN when given)
     * @param evaluations candidate steps tried
     */
    public record StepFit(double eta, boolean fitted, double objective, double perPromptObjective,
            double typicalStep, double bestFixedStep, double bestFixedObjective, int evaluations) {
        /** The step as reported: a number, or the per-prompt rule. */
        public Object describe() {
            return eta > 0 ? (Object) eta : "1/lambda_max(S) per prompt";
        }
    }

    /**
     * One model's analysis.
     *
     * @param cosGd per-prompt cosines {@code [L+1][T_GD][J]}
     * @param cosNewton per-prompt cosines {@code [L+1][T_N][J]}
     * @param sqGd per-prompt squared prediction distances {@code Σ_k (ŷ^(l) − ŷ_t)²}, {@code [L+1][T_GD][J]}
     * @param sqNewton the same for Newton {@code [L+1][T_N][J]}
     * @param sqOls the same for min-norm OLS, the common limit of both families, {@code [L+1][1][J]}
     * @param power per-prompt {@code Σ_k (ŷ^(l))²}, {@code [L+1][J]}
     * @param readoutMse read-out MSE on the judge prompts per layer {@code [L+1]}
     * @param labelPower mean squared label on the judge prompts (the zero predictor's MSE)
     * @param step how the GD step was chosen
     * @param decGd per-prompt squared errors {@code Σ_k (r_{l,t}(h) − ŷ_t)²} of a read-out fitted (on the fit split)
     *     to GD iterate t itself, not to the label, {@code [L+1][T_GD][J]}
     * @param decGdPower per-prompt {@code Σ_k ŷ_t²} of GD iterate t, {@code [T_GD][J]}
     * @param decNewton the same for Newton {@code [L+1][T_N][J]}
     * @param decNewtonPower the same for Newton {@code [T_N][J]}
     */
    public record Analysis(double[][][] cosGd, double[][][] cosNewton, double[][][] sqGd, double[][][] sqNewton,
            double[][][] sqOls, double[][] power, double[] readoutMse, double labelPower, StepFit step,
            double[][][] decGd, double[][] decGdPower, double[][][] decNewton, double[][] decNewtonPower) {
        public int layers() {
            return cosGd.length - 1;
        }

        public int prompts() {
            return cosGd[0][0].length;
        }

        /** SimE per layer and GD iterate {@code [L+1][T_GD]}. */
        public double[][] simeGd() {
            return means(cosGd, null);
        }

        /** SimE per layer and Newton iterate {@code [L+1][T_N]}. */
        public double[][] simeNewton() {
            return means(cosNewton, null);
        }
    }

    /** The GD log grid 1, 2, 3, 4, 6, 8, 12, 16, … up to {@code max}. */
    public static int[] gdGrid(int max) {
        TreeSet<Integer> s = new TreeSet<>();
        for (int p = 1; p <= max; p *= 2) {
            s.add(p);
            if (p + p / 2 <= max && p >= 2) {
                s.add(p + p / 2);
            }
        }
        return s.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Runs read-outs, iterates and cosines for {@code model}. */
    public static Analysis analyse(ModelUnderTest model, PromptSet fit, PromptSet judge, Settings s) {
        int[] ks = s.ks();
        double[][][][] fitStates = ResidualStream.atPredictions(model, fit, ks); // [L+1][K][F][D_h]
        double[][][][] judgeStates = ResidualStream.atPredictions(model, judge, ks); // [L+1][K][J][D_h]
        double[][] yFit = PrefixEvaluation.targets(fit, model.layout(), ks); // [K][F]
        double[][] y = PrefixEvaluation.targets(judge, model.layout(), ks); // [K][J]
        int layers = fitStates.length;
        int kk = ks.length;
        int f = fit.size();
        int j = judge.size();
        double[][][] readout = new double[layers][kk][j]; // [L+1][K][J]
        double[][][] readoutFit = new double[layers][kk][f]; // [L+1][K][F], in-sample: used only to fit the step
        double[] mse = new double[layers];
        for (int l = 0; l < layers; l++) {
            LinearReadout r = LinearReadout.fit(pooled(fitStates[l]), pooled(yFit));
            for (int k = 0; k < kk; k++) {
                for (int b = 0; b < f; b++) {
                    readoutFit[l][k][b] = r.apply(fitStates[l][k][b]);
                }
                for (int b = 0; b < j; b++) {
                    readout[l][k][b] = r.apply(judgeStates[l][k][b]);
                    double e = readout[l][k][b] - y[k][b];
                    mse[l] += e * e / (kk * j);
                }
            }
        }
        StepFit step = fitStep(model, fit, s, readoutFit, yFit);
        double[][][] gdFit = iterates(fit, model, s, true, step.eta()); // [T_GD][K][F]
        double[][][] newtonFit = iterates(fit, model, s, false, 0); // [T_N][K][F]
        double[][][] gd = iterates(judge, model, s, true, step.eta()); // [T_GD][K][J]
        double[][][] newton = iterates(judge, model, s, false, 0); // [T_N][K][J]
        double[][][] gdCal = calibrated(gdFit, yFit, gd);
        double[][][] newtonCal = calibrated(newtonFit, yFit, newton);
        double[][][] olsCal = calibrated(limit(fit, model, s), yFit, limit(judge, model, s));
        double power = 0;
        for (int k = 0; k < kk; k++) {
            for (int b = 0; b < j; b++) {
                power += y[k][b] * y[k][b] / (kk * j);
            }
        }
        double[][] readoutPower = powers(readout);
        // Decodability: each layer read out to each iterate itself (fit split), judged on the judge split.
        int tg = gd.length;
        int tn = newton.length;
        double[][][] decGd = new double[layers][tg][j];
        double[][][] decNewton = new double[layers][tn][j];
        double[][] targets = new double[tg + tn][];
        for (int t = 0; t < tg; t++) {
            targets[t] = pooled(gdFit[t]);
        }
        for (int t = 0; t < tn; t++) {
            targets[tg + t] = pooled(newtonFit[t]);
        }
        for (int l = 0; l < layers; l++) {
            LinearReadout[] r = LinearReadout.fitAll(pooled(fitStates[l]), targets);
            for (int t = 0; t < tg + tn; t++) {
                double[][] target = t < tg ? gd[t] : newton[t - tg];
                double[] out = t < tg ? decGd[l][t] : decNewton[l][t - tg];
                for (int k = 0; k < kk; k++) {
                    for (int b = 0; b < j; b++) {
                        double e = r[t].apply(judgeStates[l][k][b]) - target[k][b];
                        out[b] += e * e;
                    }
                }
            }
        }
        return new Analysis(cosines(readout, gd, y), cosines(readout, newton, y), squares(readout, gdCal),
                squares(readout, newtonCal), squares(readout, olsCal), readoutPower, mse, power, step, decGd,
                powers(gd), decNewton, powers(newton));
    }

    /** Rows pooled over positions: {@code [K][B][D_h]} → {@code [K·B][D_h]}. */
    private static double[][] pooled(double[][][] v) {
        double[][] out = new double[v.length * v[0].length][];
        for (int k = 0; k < v.length; k++) {
            for (int b = 0; b < v[k].length; b++) {
                out[k * v[k].length + b] = v[k][b];
            }
        }
        return out;
    }

    /** Values pooled over positions: {@code [K][B]} → {@code [K·B]}. */
    private static double[] pooled(double[][] v) {
        double[] out = new double[v.length * v[0].length];
        for (int k = 0; k < v.length; k++) {
            System.arraycopy(v[k], 0, out, k * v[k].length, v[k].length);
        }
        return out;
    }

    /** Per-prompt {@code Σ_k v²}: {@code [X][K][B]} → {@code [X][B]}. */
    private static double[][] powers(double[][][] v) {
        double[][] out = new double[v.length][v[0][0].length];
        for (int x = 0; x < v.length; x++) {
            for (double[] row : v[x]) {
                for (int b = 0; b < row.length; b++) {
                    out[x][b] += row[b] * row[b];
                }
            }
        }
        return out;
    }

    /** Half-octave exponents of the fixed-step grid η₀ · 2^(i/2). */
    static final int STEP_GRID_LOW = -16;
    static final int STEP_GRID_HIGH = 2;
    /** Golden-section iterations refining the best grid step (in log η). */
    static final int STEP_REFINE = 14;

    /**
     * The GD step: {@code gdStepSize} when given (> 0), else fitted on the fit split alone: the per-prompt
     * 1/λ_max(S) step and fixed steps η₀ · 2^(i/2) (i = −16..2, then golden-section search in log η around the
     * best) are scored by {@code Σ_{l ≥ 1} min_t RD_fit(l, t)} between the layers' read-outs on the fit prompts and
     * the calibrated GD iterates there, and the lowest wins. One step is shared by every layer and position.
     */
    static StepFit fitStep(ModelUnderTest model, PromptSet fit, Settings s, double[][][] readoutFit,
            double[][] yFit) {
        if (s.gdStepSize() > 0) {
            return new StepFit(s.gdStepSize(), false, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0);
        }
        double[][] power = powers(readoutFit);
        java.util.function.DoubleUnaryOperator score = eta -> {
            double[][][] it = iterates(fit, model, s, true, eta);
            double[][] rd = distances(squares(readoutFit, calibrated(it, yFit, it)), power, null);
            double sum = 0;
            for (int l = 1; l < rd.length; l++) {
                sum += min(rd[l]);
            }
            return Double.isNaN(sum) ? Double.POSITIVE_INFINITY : sum;
        };
        double perPrompt = score.applyAsDouble(0);
        PromptSet last = PrefixEvaluation.kShot(fit, model.layout(), s.ks()[s.ks().length - 1]);
        double[] steps = new double[last.size()];
        for (int b = 0; b < steps.length; b++) {
            steps[b] = AlgorithmIterates.gdStep(last, b);
        }
        java.util.Arrays.sort(steps);
        double eta0 = steps[steps.length / 2];
        int evaluations = 1;
        int n = STEP_GRID_HIGH - STEP_GRID_LOW + 1;
        double[] u = new double[n]; // log η
        double[] v = new double[n];
        int best = 0;
        for (int i = 0; i < n; i++) {
            u[i] = Math.log(eta0) + (STEP_GRID_LOW + i) * Math.log(2) / 2;
            v[i] = score.applyAsDouble(Math.exp(u[i]));
            evaluations++;
            if (v[i] < v[best]) {
                best = i;
            }
        }
        double bestU = u[best];
        double bestV = v[best];
        double lo = u[Math.max(0, best - 1)];
        double hi = u[Math.min(n - 1, best + 1)];
        double g = (Math.sqrt(5) - 1) / 2;
        double x1 = hi - g * (hi - lo);
        double x2 = lo + g * (hi - lo);
        double f1 = score.applyAsDouble(Math.exp(x1));
        double f2 = score.applyAsDouble(Math.exp(x2));
        evaluations += 2;
        for (int it = 0; it < STEP_REFINE; it++) {
            if (f1 <= f2) {
                hi = x2;
                x2 = x1;
                f2 = f1;
                x1 = hi - g * (hi - lo);
                f1 = score.applyAsDouble(Math.exp(x1));
            } else {
                lo = x1;
                x1 = x2;
                f1 = f2;
                x2 = lo + g * (hi - lo);
                f2 = score.applyAsDouble(Math.exp(x2));
            }
            evaluations++;
            if (f1 < bestV) {
                bestV = f1;
                bestU = x1;
            }
            if (f2 < bestV) {
                bestV = f2;
                bestU = x2;
            }
        }
        double fixed = Math.exp(bestU);
        return perPrompt <= bestV ? new StepFit(0, true, perPrompt, perPrompt, eta0, fixed, bestV, evaluations)
                : new StepFit(fixed, true, bestV, perPrompt, eta0, fixed, bestV, evaluations);
    }

    /** Iterate predictions beyond this magnitude (a diverging fixed step) are clipped, so that sums stay finite. */
    static final double DIVERGED = 1e12;

    /** GD (with step {@code eta}, 0: 1/λ_max per prompt) or Newton iterates on the k-shot problems, {@code [T][K][B]}. */
    private static double[][][] iterates(PromptSet prompts, ModelUnderTest model, Settings s, boolean gd,
            double eta) {
        int kk = s.ks().length;
        double[][][] out = new double[gd ? s.gdSteps().length : s.newtonIterations().length][kk][];
        for (int k = 0; k < kk; k++) {
            PromptSet problem = PrefixEvaluation.kShot(prompts, model.layout(), s.ks()[k]);
            double[][] p = gd ? AlgorithmIterates.gd(problem, s.gdSteps(), eta)
                    : AlgorithmIterates.newton(problem, s.newtonIterations());
            for (int t = 0; t < p.length; t++) {
                for (int b = 0; b < p[t].length; b++) {
                    double x = p[t][b];
                    p[t][b] = Double.isNaN(x) ? DIVERGED : Math.max(-DIVERGED, Math.min(DIVERGED, x));
                }
                out[t][k] = p[t];
            }
        }
        return out;
    }

    /** Min-norm OLS (the limit of GD from w₀ = 0 and of Iterative Newton) on the k-shot problems, {@code [1][K][B]}. */
    private static double[][][] limit(PromptSet prompts, ModelUnderTest model, Settings s) {
        int kk = s.ks().length;
        double[][][] out = new double[1][kk][];
        for (int k = 0; k < kk; k++) {
            out[0][k] = LeastSquaresOracle.ols().predict(PrefixEvaluation.kShot(prompts, model.layout(), s.ks()[k]));
        }
        return out;
    }

    /**
     * Each iterate passed through the same kind of map as a read-out: {@code c₀ + c ŷ_t}, fitted by least squares to
     * the labels on the fit prompts (pooled over positions) and applied to the judge prompts' iterates,
     * {@code [T][K][J]}.
     */
    private static double[][][] calibrated(double[][][] fitIterates, double[][] yFit, double[][][] judgeIterates) {
        double[][][] out = new double[judgeIterates.length][][];
        for (int t = 0; t < judgeIterates.length; t++) {
            int kk = yFit.length;
            int f = yFit[0].length;
            double[][] rows = new double[kk * f][];
            double[] labels = new double[kk * f];
            for (int k = 0; k < kk; k++) {
                for (int b = 0; b < f; b++) {
                    rows[k * f + b] = new double[] {fitIterates[t][k][b]};
                    labels[k * f + b] = yFit[k][b];
                }
            }
            LinearReadout r = LinearReadout.fit(rows, labels);
            out[t] = new double[kk][];
            for (int k = 0; k < kk; k++) {
                out[t][k] = new double[judgeIterates[t][k].length];
                for (int b = 0; b < out[t][k].length; b++) {
                    out[t][k][b] = r.apply(new double[] {judgeIterates[t][k][b]});
                }
            }
        }
        return out;
    }

    /** Per-prompt squared distances over positions, {@code [L+1][T][J]}. */
    private static double[][][] squares(double[][][] readout, double[][][] iterates) {
        int layers = readout.length;
        int kk = readout[0].length;
        int j = readout[0][0].length;
        double[][][] out = new double[layers][iterates.length][j];
        for (int l = 0; l < layers; l++) {
            for (int t = 0; t < iterates.length; t++) {
                for (int b = 0; b < j; b++) {
                    double s = 0;
                    for (int k = 0; k < kk; k++) {
                        double e = readout[l][k][b] - iterates[t][k][b];
                        s += e * e;
                    }
                    out[l][t][b] = s;
                }
            }
        }
        return out;
    }

    /** Per-prompt cosines of error vectors over positions, {@code [L+1][T][J]}. */
    private static double[][][] cosines(double[][][] readout, double[][][] iterates, double[][] y) {
        int layers = readout.length;
        int kk = y.length;
        int j = y[0].length;
        double[][][] out = new double[layers][iterates.length][j];
        for (int l = 0; l < layers; l++) {
            for (int t = 0; t < iterates.length; t++) {
                for (int b = 0; b < j; b++) {
                    double ab = 0;
                    double aa = 0;
                    double bb = 0;
                    for (int k = 0; k < kk; k++) {
                        double ea = readout[l][k][b] - y[k][b];
                        double eb = iterates[t][k][b] - y[k][b];
                        ab += ea * eb;
                        aa += ea * ea;
                        bb += eb * eb;
                    }
                    double na = Math.sqrt(aa);
                    double nb = Math.sqrt(bb);
                    out[l][t][b] = na < ZERO_NORM || nb < ZERO_NORM ? 0 : ab / (na * nb);
                }
            }
        }
        return out;
    }

    /** Means over prompts (all, or the resampled {@code idx}) {@code [L+1][T]}. */
    static double[][] means(double[][][] cos, int[] idx) {
        double[][] out = new double[cos.length][cos[0].length];
        for (int l = 0; l < cos.length; l++) {
            for (int t = 0; t < cos[0].length; t++) {
                double[] c = cos[l][t];
                double s = 0;
                if (idx == null) {
                    for (double v : c) {
                        s += v;
                    }
                    out[l][t] = s / c.length;
                } else {
                    for (int i : idx) {
                        s += c[i];
                    }
                    out[l][t] = s / idx.length;
                }
            }
        }
        return out;
    }

    private static int argmax(double[] row) {
        int best = 0;
        for (int t = 1; t < row.length; t++) {
            if (row[t] > row[best]) {
                best = t;
            }
        }
        return best;
    }

    /**
     * Relative prediction distance {@code RD(l, t) = Σ_{b,k} (ŷ^(l) − ŷ_t)² / Σ_{b,k} (ŷ^(l))²} over all prompts or the
     * resampled {@code idx}, floored at {@value #DISTANCE_FLOOR} (exact matches), {@code [L+1][T]}.
     */
    static double[][] distances(double[][][] sq, double[][] power, int[] idx) {
        double[][] out = new double[sq.length][sq[0].length];
        for (int l = 0; l < sq.length; l++) {
            double den = 0;
            int n = idx == null ? power[l].length : idx.length;
            for (int i = 0; i < n; i++) {
                den += power[l][idx == null ? i : idx[i]];
            }
            for (int t = 0; t < sq[0].length; t++) {
                double num = 0;
                for (int i = 0; i < n; i++) {
                    num += sq[l][t][idx == null ? i : idx[i]];
                }
                out[l][t] = den > 0 ? Math.max(DISTANCE_FLOOR, num / den) : Double.POSITIVE_INFINITY;
            }
        }
        return out;
    }

    /** Exact matches are floored here, so that the log-distance margin stays finite. */
    static final double DISTANCE_FLOOR = 1e-12;

    private static int argmin(double[] row) {
        int best = 0;
        for (int t = 1; t < row.length; t++) {
            if (row[t] < row[best]) {
                best = t;
            }
        }
        return best;
    }

    /** {@code mean_{l ≥ 1} [log₁₀ min_t b(l, t) − log₁₀ min_t a(l, t)]}: positive when family a matches better. */
    static double logMargin(double[][] a, double[][] b) {
        double s = 0;
        for (int l = 1; l < a.length; l++) {
            s += Math.log10(b[l][argmin(b[l])]) - Math.log10(a[l][argmin(a[l])]);
        }
        return s / (a.length - 1);
    }

    /** Least-squares slope of {@code f(t*(l))} against l over l = 1..L (0 when L = 1), t* the closest iterate. */
    static double slope(double[][] rd, int[] grid, boolean log2) {
        int layers = rd.length - 1;
        if (layers < 2) {
            return 0;
        }
        double mx = (layers + 1) / 2.0;
        double my = 0;
        double[] v = new double[layers + 1];
        for (int l = 1; l <= layers; l++) {
            int t = grid[argmin(rd[l])];
            v[l] = log2 ? Math.log(t) / Math.log(2) : t;
            my += v[l] / layers;
        }
        double num = 0;
        double den = 0;
        for (int l = 1; l <= layers; l++) {
            num += (l - mx) * (v[l] - my);
            den += (l - mx) * (l - mx);
        }
        return num / den;
    }

    /** {@code f(t*(L)) − f(t*(1))}, t* the closest iterate. */
    static double growth(double[][] rd, int[] grid, boolean log2) {
        int last = rd.length - 1;
        double a = grid[argmin(rd[1])];
        double b = grid[argmin(rd[last])];
        return log2 ? Math.log(b / a) / Math.log(2) : b - a;
    }

    /**
     * The verdicts and intervals of one analysis.
     *
     * @param bestGd per layer the closest GD step t* (by relative distance)
     * @param bestNewton per layer the closest Newton iteration
     * @param simeGd per layer the GD step of highest SimE
     * @param simeNewton per layer the Newton iteration of highest SimE
     * @param decodingGd decoding RD of every GD iterate from every layer {@code [L+1][T_GD]}
     * @param decodingNewton the same for Newton {@code [L+1][T_N]}
     * @param decodabilityGd {@code min_l [log₁₀ min_t DRD_Newton(l, t) − log₁₀ min_t DRD_GD(l, t)]}
     * @param decodabilityNewton the mirror image
     */
    record Judged(Verdict gd, Verdict newton, Bootstrap.Interval margin, Bootstrap.Interval gdSlope,
            Bootstrap.Interval newtonSlope, int[] bestGd, int[] bestNewton, double[][] rdGd, double[][] rdNewton,
            int[] simeGd, int[] simeNewton, double[][] decodingGd, double[][] decodingNewton,
            Bootstrap.Interval decodabilityGd, Bootstrap.Interval decodabilityNewton) {
        String label() {
            return gd.outcome() == Outcome.CONSISTENT ? "gd-steps"
                    : newton.outcome() == Outcome.CONSISTENT ? "newton-steps" : "inconclusive";
        }
    }

    /**
     * The head-to-head criterion of one family against the other, a log₁₀ margin: sufficient when its whole interval
     * lies at or above {@code minMargin} (this family is closer by that factor), refuting only when its whole interval
     * lies at or below {@code −minMargin} (the other family is closer by that factor). In between, neither family is
     * clearly closer and the criterion is inconclusive: not being clearly better than a competitor is no evidence
     * against a hypothesis.
     */
    static Evidence comparative(String criterion, Bootstrap.Interval margin, double minMargin) {
        Evidence e = Evidence.decide(criterion, margin, Evidence.Comparison.AT_LEAST, minMargin).sufficient();
        if (e.outcome() == Outcome.INCONSISTENT && !(margin.upper() <= -minMargin)) {
            return e.withOutcome(Outcome.INCONCLUSIVE);
        }
        return e;
    }

    static Judged judge(Analysis a, Settings s, PromptBootstrap boot, String prefix, double minMargin,
            double maxDistance) {
        int n = a.prompts();
        int last = a.layers();
        Bootstrap.Interval margin = boot.of(prefix + "margin", n, idx -> logMargin(
                distances(a.sqGd(), a.power(), idx), distances(a.sqNewton(), a.power(), idx)));
        Bootstrap.Interval reverse = new Bootstrap.Interval(-margin.estimate(), -margin.upper(), -margin.lower(),
                margin.level(), margin.n());
        Bootstrap.Interval worstGd = boot.of(prefix + "worst-gd", n,
                idx -> worst(distances(a.sqGd(), a.power(), idx)));
        Bootstrap.Interval worstNewton = boot.of(prefix + "worst-newton", n,
                idx -> worst(distances(a.sqNewton(), a.power(), idx)));
        Bootstrap.Interval limitGd = boot.of(prefix + "limit-gd", n, idx -> resolved(
                distances(a.sqGd(), a.power(), idx), distances(a.sqOls(), a.power(), idx)));
        Bootstrap.Interval limitNewton = boot.of(prefix + "limit-newton", n, idx -> resolved(
                distances(a.sqNewton(), a.power(), idx), distances(a.sqOls(), a.power(), idx)));
        Bootstrap.Interval gdSlope = boot.of(prefix + "gd-slope", n,
                idx -> slope(distances(a.sqGd(), a.power(), idx), s.gdSteps(), true));
        Bootstrap.Interval newtonSlope = boot.of(prefix + "newton-slope", n,
                idx -> slope(distances(a.sqNewton(), a.power(), idx), s.newtonIterations(), false));
        Bootstrap.Interval decodabilityGd = boot.of(prefix + "decodability-gd", n, idx -> decodability(
                decodings(a.decGd(), a.decGdPower(), idx), decodings(a.decNewton(), a.decNewtonPower(), idx)));
        Bootstrap.Interval decodabilityNewton = boot.of(prefix + "decodability-newton", n, idx -> decodability(
                decodings(a.decNewton(), a.decNewtonPower(), idx), decodings(a.decGd(), a.decGdPower(), idx)));
        List<Evidence> gdEvidence = new ArrayList<>();
        List<Evidence> newtonEvidence = new ArrayList<>();
        gdEvidence.add(comparative("mean over layers of log₁₀ closest-Newton / closest-GD relative distance",
                margin, minMargin));
        newtonEvidence.add(comparative("mean over layers of log₁₀ closest-GD / closest-Newton relative distance",
                reverse, minMargin));
        gdEvidence.add(Evidence.decide("worst layer's relative distance of the read-out to its closest GD iterate",
                worstGd, Evidence.Comparison.AT_MOST, maxDistance));
        newtonEvidence.add(Evidence.decide("worst layer's relative distance of the read-out to its closest Newton "
                + "iterate", worstNewton, Evidence.Comparison.AT_MOST, maxDistance));
        if (last >= 2) {
            gdEvidence.add(Evidence.decide("growth of the matched GD step, log₂ t*(L) − log₂ t*(1)",
                    boot.of(prefix + "gd-growth", n, idx -> growth(distances(a.sqGd(), a.power(), idx),
                            s.gdSteps(), true)), Evidence.Comparison.AT_LEAST, Evidence.STRICTLY_POSITIVE));
            newtonEvidence.add(Evidence.decide("growth of the matched Newton iteration, t*(L) − t*(1)",
                    boot.of(prefix + "newton-growth", n, idx -> growth(distances(a.sqNewton(), a.power(), idx),
                            s.newtonIterations(), false)), Evidence.Comparison.AT_LEAST,
                    Evidence.STRICTLY_POSITIVE));
        }
        double[][] rg = distances(a.sqGd(), a.power(), null);
        double[][] rn = distances(a.sqNewton(), a.power(), null);
        double[][] sg = a.simeGd();
        double[][] sn = a.simeNewton();
        int[] bestGd = new int[last + 1];
        int[] bestNewton = new int[last + 1];
        int[] simeGd = new int[last + 1];
        int[] simeNewton = new int[last + 1];
        for (int l = 0; l <= last; l++) {
            bestGd[l] = s.gdSteps()[argmin(rg[l])];
            bestNewton[l] = s.newtonIterations()[argmin(rn[l])];
            simeGd[l] = s.gdSteps()[argmax(sg[l])];
            simeNewton[l] = s.newtonIterations()[argmax(sn[l])];
        }
        Evidence gdLimit = Evidence.decide("last layer: log₁₀ relative distance to OLS (the limit) over that to the "
                + "closest GD iterate", limitGd, Evidence.Comparison.AT_LEAST, minMargin);
        Evidence newtonLimit = Evidence.decide("last layer: log₁₀ relative distance to OLS (the limit) over that to "
                + "the closest Newton iterate", limitNewton, Evidence.Comparison.AT_LEAST, minMargin);
        Evidence gdAlone = Evidence.decide("competing family: worst layer's log₁₀ of the decoding RD of its best-"
                + "decoded Newton iterate over that of its best-decoded GD iterate", decodabilityGd,
                Evidence.Comparison.AT_LEAST, minMargin);
        Evidence newtonAlone = Evidence.decide("competing family: worst layer's log₁₀ of the decoding RD of its "
                + "best-decoded GD iterate over that of its best-decoded Newton iterate", decodabilityNewton,
                Evidence.Comparison.AT_LEAST, minMargin);
        return new Judged(
                unless(unresolved(Verdict.of(LAYERWISE_GD, gdEvidence), gdLimit), gdAlone, COMPETING_NOTE),
                unless(unresolved(Verdict.of(LAYERWISE_NEWTON, newtonEvidence), newtonLimit), newtonAlone,
                        COMPETING_NOTE),
                margin, gdSlope, newtonSlope, bestGd, bestNewton, rg, rn, simeGd, simeNewton,
                decodings(a.decGd(), a.decGdPower(), null), decodings(a.decNewton(), a.decNewtonPower(), null),
                decodabilityGd, decodabilityNewton);
    }

    static final String COMPETING_NOTE = "some layer linearly encodes an iterate of the competing family about as "
            + "well as one of this family: a label-fitted read-out picks the label-best mix, not what the layer holds";

    /**
     * Decoding RD {@code DRD(l, t) = Σ_{b,k} (r_{l,t}(h) − ŷ_t)² / Σ_{b,k} ŷ_t²}, r_{l,t} the read-out of layer l
     * fitted to iterate t on the fit split, over all judge prompts or the resampled {@code idx}, floored at
     * {@value #DISTANCE_FLOOR}, {@code [L+1][T]}.
     */
    static double[][] decodings(double[][][] sq, double[][] power, int[] idx) {
        double[][] out = new double[sq.length][sq[0].length];
        int n = idx == null ? power[0].length : idx.length;
        for (int t = 0; t < sq[0].length; t++) {
            double den = 0;
            for (int i = 0; i < n; i++) {
                den += power[t][idx == null ? i : idx[i]];
            }
            for (int l = 0; l < sq.length; l++) {
                double num = 0;
                for (int i = 0; i < n; i++) {
                    num += sq[l][t][idx == null ? i : idx[i]];
                }
                out[l][t] = den > 0 ? Math.max(DISTANCE_FLOOR, num / den) : Double.POSITIVE_INFINITY;
            }
        }
        return out;
    }

    /**
     * {@code min_{l ≥ 1} [log₁₀ min_t other(l, t) − log₁₀ min_t own(l, t)]}: how much better than any iterate of the
     * competing family the worst layer encodes some iterate of its own family.
     */
    static double decodability(double[][] own, double[][] other) {
        double w = Double.POSITIVE_INFINITY;
        for (int l = 1; l < own.length; l++) {
            w = Math.min(w, Math.log10(min(other[l])) - Math.log10(min(own[l])));
        }
        return w;
    }

    private static double min(double[] row) {
        return row[argmin(row)];
    }

    /** {@code max_{l ≥ 1} min_t rd(l, t)}: how far the worst-matched layer is from every iterate of the family. */
    static double worst(double[][] rd) {
        double w = 0;
        for (int l = 1; l < rd.length; l++) {
            w = Math.max(w, min(rd[l]));
        }
        return w;
    }

    /**
     * {@code log₁₀ RD_OLS(L) − log₁₀ min_t RD(L, t)}: positive when the last layer is closer to its matched iterate
     * than to the common limit of GD and Newton, i.e. when which step it holds is resolved at all.
     */
    static double resolved(double[][] rd, double[][] rdOls) {
        int last = rd.length - 1;
        return Math.log10(rdOls[last][0]) - Math.log10(min(rd[last]));
    }

    /**
     * The limit check: a layer as close to OLS as to its matched iterate could hold the limit (OLS, or any late
     * iterate) of either family, so it cannot confirm that layers hold steps. It never refutes (OLS is the limit of
     * the hypothesis): when it does not pass, it and every confirming criterion become inconclusive.
     */
    static Verdict unresolved(Verdict v, Evidence limit) {
        return unless(v, limit, "the last layer is not resolved from OLS, the common limit of GD and Newton: it may "
                + "hold the limit rather than a step");
    }

    /**
     * A check that can only stop a confirmation (the limit check, the competing-family check): when it does not
     * pass, it and every confirming criterion become inconclusive; it never refutes.
     */
    static Verdict unless(Verdict v, Evidence check, String note) {
        List<Evidence> ev = new ArrayList<>(v.evidence());
        if (check.outcome() == Outcome.CONSISTENT) {
            ev.add(check);
            return new Verdict(v.hypothesis(), v.outcome(), ev, v.note());
        }
        ev.add(check.withOutcome(Outcome.INCONCLUSIVE));
        if (v.outcome() != Outcome.CONSISTENT) {
            return new Verdict(v.hypothesis(), v.outcome(), ev, v.note());
        }
        ev = ev.stream().map(e -> e.confirms() ? e.withOutcome(Outcome.INCONCLUSIVE) : e).toList();
        return new Verdict(v.hypothesis(), Outcome.INCONCLUSIVE, ev, note);
    }

    private static double max(double[] row) {
        return row[argmax(row)];
    }

    /** A consistent verdict the control does not refute becomes inconclusive (the control gate, within the probe). */
    static Verdict gate(Verdict model, Verdict control) {
        if (control == null || model.outcome() != Outcome.CONSISTENT || control.outcome() == Outcome.INCONSISTENT) {
            return model;
        }
        List<Evidence> ev = model.evidence().stream()
                .map(e -> e.confirms() ? e.withOutcome(Outcome.INCONCLUSIVE) : e).toList();
        return new Verdict(model.hypothesis(), Outcome.INCONCLUSIVE, ev, "not discriminative: the "
                + Controls.RANDOM_INIT + " control of the same architecture is " + control.outcome() + " with it too");
    }

    @Override
    public ProbeResult run(ProbeContext ctx) {
        int count = ctx.params().getInt("prompts", 4);
        int minContext = ctx.params().getInt("minContext", 1);
        int gdMax = ctx.params().getInt("gdMaxSteps", 1);
        int newtonMax = ctx.params().getInt("newtonMaxIterations", 1);
        double gdStep = ctx.params().getDouble("gdStepSize");
        double minMargin = ctx.params().getDouble("minLog10Margin");
        double maxDistance = ctx.params().getDouble("maxRelativeSpd");
        if (!(gdStep >= 0)) {
            throw new IllegalArgumentException(NAME + ": gdStepSize must be >= 0 (0: fitted on the fit split), got "
                    + gdStep);
        }
        PromptSet fitAll = ctx.fits().fitSet();
        PromptSet judgeAll = ctx.fits().judgeSet();
        PromptSet fit = fitAll.head(Math.min(count, fitAll.size()));
        PromptSet judge = judgeAll.head(Math.min(count, judgeAll.size()));
        int n = judge.n();
        if (minContext > n) {
            throw new IllegalArgumentException(NAME + ": minContext " + minContext + " exceeds N = " + n);
        }
        int[] ks = new int[n - minContext + 1];
        for (int i = 0; i < ks.length; i++) {
            ks[i] = minContext + i;
        }
        int[] newtonGrid = new int[newtonMax];
        for (int t = 0; t < newtonMax; t++) {
            newtonGrid[t] = t + 1;
        }
        Settings s = new Settings(ks, gdGrid(gdMax), newtonGrid, gdStep);

        Analysis a = analyse(ctx.model(), fit, judge, s);
        if (a.layers() < 1) {
            return ProbeResult.skipped(NAME, "the model exposes only its input state (no layers)");
        }
        Judged mj = judge(a, s, ctx.bootstrap(), "", minMargin, maxDistance);

        Optional<Controls.Control> control = Controls.isRandomInitControl(ctx.model()) ? Optional.empty()
                : Controls.randomInit(ctx.model(), ctx.seed("random-init"), ctx.manager());
        Analysis ca = null;
        Judged cj = null;
        if (control.isPresent()) {
            ca = analyse(control.get().model(), fit, judge, s);
            cj = judge(ca, s, ctx.bootstrap(), "control-", minMargin, maxDistance);
        }
        Verdict gd = gate(mj.gd(), cj == null ? null : cj.gd());
        Verdict newton = gate(mj.newton(), cj == null ? null : cj.newton());
        String label = gd.outcome() == Outcome.CONSISTENT ? "gd-steps"
                : newton.outcome() == Outcome.CONSISTENT ? "newton-steps" : "inconclusive";

        ProbeResult.Builder out = ProbeResult.builder(NAME);
        out.verdict(gd).verdict(newton);
        out.metric("layer_verdict", label);
        out.metric("layers", a.layers());
        out.metric("positions", java.util.Arrays.stream(ks).boxed().toList());
        out.metric("fit_prompts", fit.size());
        out.metric("judge_prompts", judge.size());
        out.metric("gd_steps", java.util.Arrays.stream(s.gdSteps()).boxed().toList());
        out.metric("newton_iterations", java.util.Arrays.stream(s.newtonIterations()).boxed().toList());
        out.metric("gd_step_size", a.step().describe());
        out.metrics(summary(a, mj, s));
        if (cj != null) {
            Map<String, Object> c = summary(ca, cj, s);
            c.put("layer_verdict", cj.label());
            c.put("description", control.get().description());
            out.metric("random_init_control", c);
        }

        List<List<String>> rows = new ArrayList<>();
        double[][] sg = a.simeGd();
        double[][] sn = a.simeNewton();
        double[][] csg = ca == null ? null : ca.simeGd();
        double[][] csn = ca == null ? null : ca.simeNewton();
        for (int l = 0; l <= a.layers(); l++) {
            List<String> row = new ArrayList<>();
            row.add(l == 0 ? "0 (input)" : Integer.toString(l));
            row.add(ProbeStatistics.num(a.readoutMse()[l] / a.labelPower()));
            row.add(mj.bestGd()[l] + " (" + ProbeStatistics.num(min(mj.rdGd()[l])) + ")");
            row.add(mj.bestNewton()[l] + " (" + ProbeStatistics.num(min(mj.rdNewton()[l])) + ")");
            row.add(mj.simeGd()[l] + " (" + ProbeStatistics.num(max(sg[l])) + ")");
            row.add(mj.simeNewton()[l] + " (" + ProbeStatistics.num(max(sn[l])) + ")");
            row.add(s.gdSteps()[argmin(mj.decodingGd()[l])] + " (" + ProbeStatistics.num(min(mj.decodingGd()[l]))
                    + ")");
            row.add(s.newtonIterations()[argmin(mj.decodingNewton()[l])] + " ("
                    + ProbeStatistics.num(min(mj.decodingNewton()[l])) + ")");
            if (ca != null) {
                boolean has = l <= ca.layers();
                row.add(has ? cj.bestGd()[l] + " (" + ProbeStatistics.num(min(cj.rdGd()[l])) + ")" : "");
                row.add(has ? cj.bestNewton()[l] + " (" + ProbeStatistics.num(min(cj.rdNewton()[l])) + ")" : "");
            }
            rows.add(row);
        }
        List<String> header = new ArrayList<>(List.of("layer", "read-out MSE / E[y²]", "closest GD step t* (RD)",
                "closest Newton iteration t* (RD)", "GD step of best SimE (SimE)", "Newton iteration of best SimE "
                + "(SimE)", "best-decoded GD step (decoding RD)", "best-decoded Newton iteration (decoding RD)"));
        if (ca != null) {
            header.add("random-init: GD t* (RD)");
            header.add("random-init: Newton t* (RD)");
        }
        out.table(String.format(Locale.ROOT, "Per-layer read-outs against algorithm iterates (%d fit / %d judge"
                + " prompts, positions k = %d..%d)", fit.size(), judge.size(), ks[0], ks[ks.length - 1]), header,
                rows);
        out.paragraph(String.format(Locale.ROOT, "Layer verdict: **%s**. GD step %s (%s). Margin (mean over layers"
                + " of log₁₀ of the closest Newton distance over the closest GD distance; > 0 favours GD) = %s;"
                + " competing-family check (worst layer's log₁₀ best-decoded Newton / GD decoding RD) = %s for GD,"
                + " %s for Newton; slope of log₂ t*_GD per layer = %s; slope of t*_Newton per layer = %s.%s", label,
                a.step().describe(), a.step().fitted() ? "fitted on the fit split, GD's one free parameter"
                        : "given by gdStepSize", ProbeStatistics.interval(mj.margin()),
                ProbeStatistics.interval(mj.decodabilityGd()), ProbeStatistics.interval(mj.decodabilityNewton()),
                ProbeStatistics.interval(mj.gdSlope()), ProbeStatistics.interval(mj.newtonSlope()), cj == null
                        ? " No random-init control of this architecture could be built; the verdict is ungated."
                        : " Random-init control: margin " + ProbeStatistics.interval(cj.margin()) + ", verdict "
                                + cj.label() + "."));
        HeatMap.Scale scale = new HeatMap.Scale(-1, 1);
        out.figure("layer-iterations-gd", "SimE of per-layer read-outs (rows: layer 0..L) vs GD iterates (columns: "
                + "steps " + s.gdSteps()[0] + ".." + s.gdSteps()[s.gdSteps().length - 1] + " on a log grid)",
                simeMap("SimE: layer × GD step", sg, scale, "GD step", s.gdSteps()));
        out.figure("layer-iterations-newton", "SimE of per-layer read-outs (rows: layer 0..L) vs Newton iterates "
                + "(columns: iterations 1.." + newtonMax + ")", simeMap("SimE: layer × Newton iteration", sn, scale,
                        "Newton iteration", s.newtonIterations()));
        if (ca != null) {
            out.figure("layer-iterations-control-gd", "the random-init control: SimE vs GD iterates",
                    simeMap("random-init control, SimE: layer × GD step", csg, scale, "GD step", s.gdSteps()));
            out.figure("layer-iterations-control-newton", "the random-init control: SimE vs Newton iterates",
                    simeMap("random-init control, SimE: layer × Newton iteration", csn, scale, "Newton iteration",
                            s.newtonIterations()));
        }
        out.paragraph("SimE (Fu et al. 2023): per judge prompt, the cosine between the error vectors (ŷ − y over the"
                + " positions k) of a layer's linear read-out and of an algorithm iterate, averaged over prompts."
                + " Read-outs are fitted on the fit split and evaluated on the judge split.");
        return out.build();
    }

    /** A layer × iteration heat map with its axes named: rows the layers (0 = input), columns the iterations. */
    private static org.descent.report.Figure simeMap(String title, double[][] m, HeatMap.Scale scale, String column,
            int[] iterations) {
        if (m.length == 0 || m[0].length != iterations.length) {
            return Plots.heatMap(title, m, scale);
        }
        List<String> rows = new ArrayList<>();
        for (int l = 0; l < m.length; l++) {
            rows.add(Integer.toString(l));
        }
        List<String> cols = java.util.Arrays.stream(iterations).mapToObj(Integer::toString).toList();
        return new HeatMap(title, m, scale, new HeatMap.Labels("layer (0 = input)", rows, column, cols)).figure();
    }

    /** Metrics of one analysis. */
    private static Map<String, Object> summary(Analysis a, Judged j, Settings s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sime_gd", a.simeGd());
        m.put("sime_newton", a.simeNewton());
        m.put("relative_distance_gd", finite(j.rdGd()));
        m.put("relative_distance_newton", finite(j.rdNewton()));
        m.put("decoding_relative_distance_gd", finite(j.decodingGd()));
        m.put("decoding_relative_distance_newton", finite(j.decodingNewton()));
        Map<String, Object> step = new LinkedHashMap<>();
        step.put("step", a.step().describe());
        step.put("fitted", a.step().fitted());
        step.put("fit_objective", a.step().objective());
        step.put("per_prompt_step_objective", a.step().perPromptObjective());
        step.put("typical_step", a.step().typicalStep());
        step.put("best_fixed_step", a.step().bestFixedStep());
        step.put("best_fixed_step_objective", a.step().bestFixedObjective());
        step.put("evaluations", a.step().evaluations());
        m.put("gd_step_fit", step);
        Map<String, Object> best = new LinkedHashMap<>();
        double[][] sg = a.simeGd();
        double[][] sn = a.simeNewton();
        for (int l = 0; l <= a.layers(); l++) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("gd_step", j.bestGd()[l]);
            e.put("gd_relative_distance", min(j.rdGd()[l]));
            e.put("newton_iteration", j.bestNewton()[l]);
            e.put("newton_relative_distance", min(j.rdNewton()[l]));
            e.put("gd_step_best_sime", j.simeGd()[l]);
            e.put("gd_sime", max(sg[l]));
            e.put("newton_iteration_best_sime", j.simeNewton()[l]);
            e.put("newton_sime", max(sn[l]));
            e.put("readout_relative_mse", a.readoutMse()[l] / a.labelPower());
            e.put("gd_step_best_decoded", s.gdSteps()[argmin(j.decodingGd()[l])]);
            e.put("gd_decoding_relative_distance", min(j.decodingGd()[l]));
            e.put("newton_iteration_best_decoded", s.newtonIterations()[argmin(j.decodingNewton()[l])]);
            e.put("newton_decoding_relative_distance", min(j.decodingNewton()[l]));
            best.put("layer_" + l, e);
        }
        m.put("best_match", best);
        m.put("log10_distance_margin", interval(j.margin()));
        m.put("gd_log2_step_slope", interval(j.gdSlope()));
        m.put("newton_iteration_slope", interval(j.newtonSlope()));
        m.put("decodability_margin_gd", interval(j.decodabilityGd()));
        m.put("decodability_margin_newton", interval(j.decodabilityNewton()));
        return m;
    }

    /** A copy with non-finite entries as NaN (written as null). */
    private static double[][] finite(double[][] m) {
        double[][] out = new double[m.length][];
        for (int i = 0; i < m.length; i++) {
            out[i] = m[i].clone();
            for (int k = 0; k < out[i].length; k++) {
                if (!Double.isFinite(out[i][k])) {
                    out[i][k] = Double.NaN;
                }
            }
        }
        return out;
    }

    private static Map<String, Object> interval(Bootstrap.Interval ci) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("estimate", ci.estimate());
        m.put("lower", ci.lower());
        m.put("upper", ci.upper());
        return m;
    }
}
