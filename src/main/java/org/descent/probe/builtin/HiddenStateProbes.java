package org.descent.probe.builtin;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.descent.compare.Bootstrap;
import org.descent.oracle.LeastSquaresOracle;
import org.descent.oracle.PgdFeatureRegression;
import org.descent.probe.Evidence;
import org.descent.probe.HiddenStates;
import org.descent.probe.Hypotheses;
import org.descent.probe.ModelUnderTest;
import org.descent.probe.Outcome;
import org.descent.probe.Probe;
import org.descent.probe.ProbeContext;
import org.descent.probe.ProbeResult;
import org.descent.probe.Verdict;
import org.descent.report.Plots;
import org.descent.task.PromptSet;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.LinearSolverFactory_DDRM;
import org.ejml.interfaces.linsol.LinearSolverDense;

/**
 * {@code hidden-state-probes} (Akyürek et al. 2023): per layer, how well a linear (ridge) read-out of the residual
 * stream recovers quantities an algorithm would compute: the OLS solution w_OLS, the moment {@code h = Xᵀy/N}, and the
 * one-step GD iterate {@code w_1 = η* h}. Runs only when the model exposes hidden states.
 *
 * <p>Dimension glossary: {@code P_tr} read-out training prompts (stream {@code "hidden-state-train"}),
 * {@code P_te} held-out prompts (the first {@code testPrompts} test prompts), {@code L+1} states, {@code D_h} hidden
 * width, features {@code [P, D_h]} (query token, {@code tokens = "query"}) or {@code [P, (N+1)·D_h]}
 * ({@code tokens = "all"}), targets {@code [P, d]}.
 *
 * <p>Read-out: features standardised with training means and deviations, ridge with penalty
 * {@code ridge · P_tr} and an intercept, one fit per layer and target. Held-out R² pools the d outputs:
 * {@code 1 − Σ‖t − t̂‖² / Σ‖t − t̄‖²}, with a bootstrap interval over held-out prompts. Linear read-outs cannot tell
 * h from w_1 = η* h (same R²); both are listed for comparison with the paper.
 *
 * <p>Criteria are representational, one-sided and necessary only: the best layer's R² of w_1 (for
 * {@code one-step-gd}) or w_OLS (for {@code ols-like}) at least {@code minR2} on its interval and at least that of
 * the other target passes, anything else is inconclusive — a missing linear read-out refutes nothing (a one-layer
 * model need not write w into the query token), and a present one confirms nothing on its own (Akyürek et al.
 * read-outs succeed for several algorithms at once).
 */
public final class HiddenStateProbes implements Probe {
    public static final String NAME = "hidden-state-probes";
    private static final String[] TARGETS = {"w_ols", "xty_over_n", "w_gd1"};

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "per layer, held-out R² of ridge read-outs of w_OLS, Xᵀy/N and the GD iterate w_1 from the residual"
                + " stream (needs hidden states)";
    }

    @Override
    public Map<String, Object> defaultParameters() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("trainPrompts", 4000);
        m.put("testPrompts", 2000);
        m.put("ridge", 1e-3);
        m.put("minR2", 0.9);
        m.put("tokens", "query");
        return m;
    }

    @Override
    public Optional<String> unsupportedReason(ModelUnderTest model) {
        return model.hiddenStates().isPresent() ? Optional.empty()
                : Optional.of("the model exposes no hidden states (TorchScript: export forward_with_hidden)");
    }

    @Override
    public ProbeResult run(ProbeContext ctx) {
        int trainCount = ctx.params().getInt("trainPrompts", 10);
        int testCount = ctx.params().getInt("testPrompts", 2);
        double ridge = ctx.params().getDouble("ridge");
        double minR2 = ctx.params().getDouble("minR2");
        String tokens = ctx.params().getString("tokens");
        if (!tokens.equals("query") && !tokens.equals("all")) {
            throw new IllegalArgumentException("hidden-state-probes: tokens must be \"query\" or \"all\", got \""
                    + tokens + "\"");
        }
        PromptSet train = ctx.prompts().draw("hidden-state-train", trainCount);
        PromptSet held = ctx.test().head(Math.min(testCount, ctx.test().size()));
        double eta = ctx.references().etaStar().eta();
        double[][][] tTrain = targets(train, eta);
        double[][][] tHeld = targets(held, eta);
        HiddenStates hsTrain = ctx.model().hiddenStates().orElseThrow().hiddenStates(train);
        HiddenStates hsHeld = ctx.model().hiddenStates().orElseThrow().hiddenStates(held);
        int layers = hsTrain.layers();

        ProbeResult.Builder out = ProbeResult.builder(NAME);
        Bootstrap.Interval[][] r2 = new Bootstrap.Interval[TARGETS.length][layers];
        List<List<String>> rows = new ArrayList<>();
        Map<String, Object> perLayer = new LinkedHashMap<>();
        for (int l = 0; l < layers; l++) {
            double[][] fTrain = tokens.equals("query") ? hsTrain.queryStates(l) : hsTrain.allTokenStates(l);
            double[][] fHeld = tokens.equals("query") ? hsHeld.queryStates(l) : hsHeld.allTokenStates(l);
            List<String> row = new ArrayList<>();
            row.add(l == 0 ? "0 (input)" : Integer.toString(l));
            Map<String, Object> m = new LinkedHashMap<>();
            for (int t = 0; t < TARGETS.length; t++) {
                double[][] num = new double[1][];
                double[][] den = new double[1][];
                readOut(fTrain, tTrain[t], fHeld, tHeld[t], ridge, num, den);
                r2[t][l] = org.descent.probe.builtin.ProbeStatistics.oneMinus(
                        ctx.bootstrap().ratio("hidden-" + TARGETS[t] + "-" + l, num[0], den[0]));
                m.put(TARGETS[t], r2[t][l].estimate());
                row.add(ProbeStatistics.interval(r2[t][l]));
            }
            perLayer.put("layer_" + l, m);
            rows.add(row);
        }
        out.metric("r_squared", perLayer);
        out.metric("layers", layers - 1);
        out.metric("hidden_width", hsTrain.width());
        out.metric("train_prompts", train.size());
        out.metric("held_out_prompts", held.size());

        int bestGd = argBest(r2[2]);
        int bestOls = argBest(r2[0]);
        out.verdict(oneSided(Hypotheses.ONE_STEP_GD, "read-out R² of w_1 (layer " + bestGd + ")", r2[2][bestGd],
                r2[0][bestGd].estimate(), minR2));
        out.verdict(oneSided(Hypotheses.OLS_LIKE, "read-out R² of w_OLS (layer " + bestOls + ")", r2[0][bestOls],
                r2[2][bestOls].estimate(), minR2));

        out.table(String.format(Locale.ROOT, "Held-out R² [95%% CI] of ridge read-outs from the %s (%d train / %d "
                + "held-out prompts)", tokens.equals("query") ? "query token" : "all tokens", train.size(),
                held.size()), List.of("layer", "w_OLS", "Xᵀy/N", "w_1 = η* Xᵀy/N"), rows);
        double[] xs = new double[layers];
        for (int l = 0; l < layers; l++) {
            xs[l] = l;
        }
        List<Plots.Curve> curves = new ArrayList<>();
        String[] labels = {"w_OLS", "Xᵀy/N", "w_1"};
        for (int t = 0; t < TARGETS.length; t++) {
            double[] ys = new double[layers];
            for (int l = 0; l < layers; l++) {
                ys[l] = r2[t][l].estimate();
            }
            curves.add(new Plots.Curve(labels[t], xs, ys));
        }
        out.figure("hidden-state-r2", "held-out R² of linear read-outs per layer",
                Plots.curves("Linear read-outs from the residual stream", "layer", "held-out R²", curves, false));
        out.paragraph("Linear read-outs cannot distinguish Xᵀy/N from w_1 = η* Xᵀy/N (a fixed multiple); R² near 0 "
                + "means the quantity is not linearly present in the chosen tokens, which does not refute an algorithm.");
        return out.build();
    }

    /** Targets per prompt: {@code [3][P][d]} for w_OLS, h = Xᵀy/N, w_1 = η h. */
    private static double[][][] targets(PromptSet ps, double eta) {
        int p = ps.size();
        double[][][] out = new double[3][p][];
        LeastSquaresOracle ols = LeastSquaresOracle.ols();
        for (int b = 0; b < p; b++) {
            out[0][b] = ols.weights(ps, b);
            double[] h = PgdFeatureRegression.contextMean(ps, b);
            out[1][b] = h;
            out[2][b] = ProbeStatistics.scaled(h, eta);
        }
        return out;
    }

    /**
     * Ridge read-out fitted on (fTrain, tTrain), evaluated on (fHeld, tHeld): per held-out prompt the squared error
     * {@code ‖t − t̂‖²} (num) and the squared deviation from the training mean {@code ‖t − t̄‖²} (den).
     */
    private static void readOut(double[][] fTrain, double[][] tTrain, double[][] fHeld, double[][] tHeld,
            double ridge, double[][] num, double[][] den) {
        int p = fTrain.length;
        int w = fTrain[0].length;
        int d = tTrain[0].length;
        double[] mu = new double[w];
        double[] sd = new double[w];
        for (double[] f : fTrain) {
            for (int k = 0; k < w; k++) {
                mu[k] += f[k] / p;
            }
        }
        for (double[] f : fTrain) {
            for (int k = 0; k < w; k++) {
                sd[k] += (f[k] - mu[k]) * (f[k] - mu[k]) / p;
            }
        }
        for (int k = 0; k < w; k++) {
            sd[k] = sd[k] > 1e-24 ? Math.sqrt(sd[k]) : 0; // constant features drop out
        }
        double[] tMean = new double[d];
        for (double[] t : tTrain) {
            for (int j = 0; j < d; j++) {
                tMean[j] += t[j] / p;
            }
        }
        DMatrixRMaj z = standardised(fTrain, mu, sd);
        DMatrixRMaj tc = new DMatrixRMaj(p, d);
        for (int b = 0; b < p; b++) {
            for (int j = 0; j < d; j++) {
                tc.set(b, j, tTrain[b][j] - tMean[j]);
            }
        }
        DMatrixRMaj gram = new DMatrixRMaj(w, w);
        CommonOps_DDRM.multTransA(z, z, gram);
        for (int k = 0; k < w; k++) {
            gram.add(k, k, ridge * p + (sd[k] == 0 ? 1.0 : 0.0));
        }
        DMatrixRMaj rhs = new DMatrixRMaj(w, d);
        CommonOps_DDRM.multTransA(z, tc, rhs);
        DMatrixRMaj coef = new DMatrixRMaj(w, d);
        LinearSolverDense<DMatrixRMaj> solver = LinearSolverFactory_DDRM.symmPosDef(w);
        if (!solver.setA(gram.copy())) {
            solver = LinearSolverFactory_DDRM.pseudoInverse(true);
            solver.setA(gram.copy());
        }
        solver.solve(rhs, coef);
        DMatrixRMaj pred = new DMatrixRMaj(fHeld.length, d);
        CommonOps_DDRM.mult(standardised(fHeld, mu, sd), coef, pred);
        num[0] = new double[fHeld.length];
        den[0] = new double[fHeld.length];
        for (int b = 0; b < fHeld.length; b++) {
            for (int j = 0; j < d; j++) {
                double e = tHeld[b][j] - tMean[j] - pred.get(b, j);
                double c = tHeld[b][j] - tMean[j];
                num[0][b] += e * e;
                den[0][b] += c * c;
            }
        }
    }

    private static DMatrixRMaj standardised(double[][] f, double[] mu, double[] sd) {
        DMatrixRMaj z = new DMatrixRMaj(f.length, mu.length);
        for (int b = 0; b < f.length; b++) {
            for (int k = 0; k < mu.length; k++) {
                z.set(b, k, sd[k] == 0 ? 0 : (f[b][k] - mu[k]) / sd[k]);
            }
        }
        return z;
    }

    private static int argBest(Bootstrap.Interval[] r2) {
        int best = 0;
        for (int l = 1; l < r2.length; l++) {
            if (r2[l].estimate() > r2[best].estimate()) {
                best = l;
            }
        }
        return best;
    }

    /** Passes when the read-out is good and beats the rival target; otherwise inconclusive (never fails). */
    private static Verdict oneSided(String hypothesis, String criterion, Bootstrap.Interval r2, double rival,
            double minR2) {
        Evidence e = Evidence.decide(criterion, r2, Evidence.Comparison.AT_LEAST, minR2);
        boolean wins = r2.estimate() >= rival;
        Outcome o = e.outcome() == Outcome.CONSISTENT && wins ? Outcome.CONSISTENT : Outcome.INCONCLUSIVE;
        Evidence shown = e.withOutcome(o);
        return Verdict.of(hypothesis, List.of(shown), o == Outcome.CONSISTENT ? ""
                : "representational evidence is one-sided: a missing or weaker read-out is inconclusive");
    }
}
