package org.example.probes;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.descent.compare.Bootstrap;
import org.descent.probe.Evidence;
import org.descent.probe.Hypotheses;
import org.descent.probe.Outcome;
import org.descent.probe.Probe;
import org.descent.probe.ProbeContext;
import org.descent.probe.ProbeResult;
import org.descent.probe.Verdict;
import org.descent.task.PromptSet;

/**
 * An example external probe for descent: {@code label-linearity}.
 *
 * <p>Every full-batch algorithm descent compares with (one or K GD steps, preconditioned GD, GD++, OLS, ridge) is
 * linear in the context labels: multiplying every y_i by c multiplies the prediction by c. This probe rescales the
 * labels of P test prompts by each factor c in {@code scales} and measures
 * {@code E[(ŷ(c·y) − c·ŷ(y))²] / E[(c·ŷ(y))²]}, pooled over the factors, with a bootstrap interval over prompts.
 *
 * <p>Dimension glossary: {@code P} prompts, {@code N} context examples, {@code d} input dimension; the label of
 * context token i is coordinate d of row i.
 *
 * <p>Verdict {@code label-linear}: the relative error at most {@code maxRelativeError}. When the model is not linear
 * in its labels, every full-batch hypothesis is inconsistent on the same evidence.
 *
 * <p>Build: {@code mvn -B package} in this folder (after {@code mvn -B install -DskipTests} of descent), then copy
 * {@code target/descent-probe-label-linearity-1.0.0.jar} into descent's {@code probes/} folder.
 */
public final class LabelLinearityProbe implements Probe {

    @Override
    public String name() {
        return "label-linearity";
    }

    @Override
    public String description() {
        return "predictions scale with the labels, ŷ(c·y) = c·ŷ(y), as for every full-batch GD/PGD/OLS algorithm"
                + " (example drop-in probe)";
    }

    @Override
    public Map<String, Object> defaultParameters() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("prompts", 1000);
        m.put("scales", List.of(2.0, -1.0, 0.5));
        m.put("maxRelativeError", 1e-3);
        return m;
    }

    @Override
    public ProbeResult run(ProbeContext ctx) {
        int count = ctx.params().getInt("prompts", 2);
        double tol = ctx.params().getDouble("maxRelativeError");
        List<Double> scales = ctx.params().getDoubleList("scales");
        if (scales.isEmpty()) {
            throw new IllegalArgumentException("label-linearity: scales must not be empty");
        }
        PromptSet base = ctx.test().head(Math.min(count, ctx.test().size()));
        int p = base.size();
        double[] original = ctx.model().predict(base);
        double[] num = new double[p];
        double[] den = new double[p];
        for (double c : scales) {
            double[] scaled = ctx.model().predict(withLabelsScaled(base, c));
            for (int b = 0; b < p; b++) {
                double expected = c * original[b];
                num[b] += (scaled[b] - expected) * (scaled[b] - expected);
                den[b] += expected * expected;
            }
        }
        Bootstrap.Interval ci = ctx.bootstrap().ratio("label-linearity", num, den);
        // A direct behavioural test of label linearity, so sufficient for "label-linear"; for the full-batch
        // hypotheses below it is only necessary (linear in the labels does not make a model GD).
        Evidence e = Evidence.decide("relative error of ŷ(c·y) vs c·ŷ(y)", ci, Evidence.Comparison.AT_MOST, tol)
                .sufficient();
        ProbeResult.Builder out = ProbeResult.builder(name())
                .metric("relative_error", ci.estimate())
                .metric("relative_error_ci", List.of(ci.lower(), ci.upper()))
                .metric("scales", scales)
                .metric("prompts", p)
                .verdict(Verdict.of("label-linear", List.of(e)));
        if (e.outcome() == Outcome.INCONSISTENT) {
            for (String h : Hypotheses.FULL_BATCH) {
                out.verdict(new Verdict(h, Outcome.INCONSISTENT, List.of(e.necessary()),
                        "full-batch GD, PGD, GD++ and least squares are linear in the labels"));
            }
        }
        out.paragraph(String.format(Locale.ROOT, "Labels of %d prompts rescaled by %s: relative error %s [%s, %s].",
                p, scales, ci.estimate(), ci.lower(), ci.upper()));
        return out.build();
    }

    /** The prompts with every context label multiplied by c (the query's label slot stays 0). */
    static PromptSet withLabelsScaled(PromptSet prompts, double c) {
        int n = prompts.n();
        int dd = prompts.tokenDim();
        double[] tokens = prompts.flatTokens();
        double[] targets = prompts.targets();
        for (int b = 0; b < prompts.size(); b++) {
            for (int i = 0; i < n; i++) {
                tokens[(b * (n + 1) + i) * dd + dd - 1] *= c;
            }
            targets[b] *= c;
        }
        return new PromptSet(prompts.d(), n, tokens, targets);
    }
}
