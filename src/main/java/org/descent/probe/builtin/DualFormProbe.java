package org.descent.probe.builtin;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;
import org.descent.compare.Bootstrap;
import org.descent.model.gpt2.FinetuneScope;
import org.descent.model.gpt2.Gpt2Config;
import org.descent.model.gpt2.Gpt2Finetuning;
import org.descent.model.gpt2.Gpt2Regressor;
import org.descent.model.gpt2.Gpt2Transformer;
import org.descent.probe.Controls;
import org.descent.probe.Evidence;
import org.descent.probe.ModelUnderTest;
import org.descent.probe.Outcome;
import org.descent.probe.Probe;
import org.descent.probe.ProbeContext;
import org.descent.probe.ProbeResult;
import org.descent.probe.PromptBootstrap;
import org.descent.probe.Verdict;
import org.descent.report.Report;
import org.descent.task.PromptSet;
import org.descent.task.layout.PromptLayout;

/**
 * {@code dual-form}: does in-context learning (ICL) act like explicit finetuning (FT) on the demonstrations? Dai et
 * al. 2022 ("Why can GPT learn in-context?", arXiv 2212.10559) read softmax attention's dual form as a gradient-descent
 * update of the attention's K/V and compare three conditions on every test prompt:
 * <ul>
 *   <li><b>ZSL</b> (zero-shot): the query segment alone;</li>
 *   <li><b>ICL</b>: the demonstrations followed by the query segment (the whole prompt);</li>
 *   <li><b>FT</b>: a copy of the weights finetuned on the demonstrations ({@link Gpt2Finetuning}: every demonstration
 *       as its own zero-shot prompt in the ZSL input's format, i.e. the query segment with x_i in the query's place,
 *       predicting y_i; SGD, one example per step, one epoch, squared error), then run on the ZSL input. With the
 *       query alone the training prompt is x_i alone: softmax over one key is 1, so the key projection gets no
 *       gradient and K/V finetuning moves only V. Two scopes: Dai's (only the attention K/V projections,
 *       {@link FinetuneScope.KeyValueProjections}; the verdicts use it) and all weights (shown beside).</li>
 * </ul>
 * The query segment is the query x_q preceded by the prompt's last {@code queryPairs − 1} labelled pairs (default
 * {@code queryPairs = 1}: the query alone, Dai's zero-shot input); the demonstrations are the pairs before it.
 *
 * <p>Dimension glossary: {@code B} judge prompts, {@code F} fit prompts, {@code N} context pairs, {@code q} query
 * pairs, {@code D = N − q + 1} demonstrations, {@code L} blocks, {@code H} heads, {@code E} model width, {@code S}
 * tokens of the query segment in the model's layout.
 *
 * <p>Metrics, each per judge prompt and bootstrapped over prompts ({@link PromptBootstrap}):
 * <ul>
 *   <li><b>Rec2FTP</b> (recall to finetuning predictions): among the prompts FT predicts correctly and ZSL does not,
 *       the share ICL also predicts correctly ({@code Σ [FT ✓ ∧ ZSL ✗ ∧ ICL ✓] / Σ [FT ✓ ∧ ZSL ✗]}). The model is
 *       a regressor with a scalar read-out; a prediction is correct when its sign is the label's (binary ±1
 *       classification; on a regression task, sign agreement). Its <b>base rate</b> is ICL's accuracy on every
 *       prompt ZSL gets wrong ({@code Σ [ZSL ✗ ∧ ICL ✓] / Σ [ZSL ✗]}): the value Rec2FTP has in expectation when
 *       FT's fixes are unrelated to ICL (any accurate in-context learner reaches Rec2FTP ≈ its accuracy, whatever FT
 *       does), so only {@code Rec2FTP − base rate} measures ICL's agreement with FT. Rec2FTP's interval is the exact
 *       binomial (Clopper–Pearson) interval of its count over FT's fixes ({@link #clopperPearson}), which does not
 *       collapse to [1, 1] on a handful of fixes as a percentile bootstrap of the ratio does; the difference's is a
 *       paired prompt bootstrap.</li>
 *   <li><b>SimAOU</b> (similarity of attention-output updates): per layer l, {@code cos(o_ICL − o_ZSL, o_FT − o_ZSL)}
 *       with {@code o} the attention output ({@code blocks.l.hook_attn_out} [E]) at the prediction position;
 *       baseline {@code cos(o_ICL − o_ZSL, r)} with r ~ N(0, I_E) drawn per prompt and layer (Dai's random update).
 *       Undefined (NaN) for a prompt and layer where either update is zero ({@value #ZERO_UPDATE} of ‖o_ZSL‖ or
 *       less): a model whose attention ignores the demonstrations has no ICL update to compare, so its SimAOU is not
 *       measured rather than spuriously high. A prompt's SimAOU is the mean over its defined layers.</li>
 *   <li><b>SimAM</b> (similarity of attention maps): per layer and head, the cosine between ICL's attention from the
 *       prediction position to the query segment's S keys (the weights on the demonstrations dropped) and FT's
 *       attention over the same keys; baseline ZSL's map against FT's. Defined only for S ≥ 2: with the query alone
 *       (S = 1 in the interleaved and concatenated layouts) every map is the single weight 1.</li>
 * </ul>
 *
 * <p>FT learning rate: for each scope, the rate of {@code learningRates} with the smallest squared error of FT's
 * query prediction against the label on the F fit prompts (FT's own task loss, not its similarity to ICL); the
 * metrics are judged on the B held-out judge prompts. When FT diverges at every rate (non-finite error), the smallest
 * rate is used and the metrics FT feeds come out undefined (NaN), hence inconclusive.
 *
 * <p>Verdicts (the random-init control: the same probe on a random initialisation of the same architecture,
 * {@link Controls#randomInit}, on the same judge prompts, with its own learning rates). Per metric, a sufficient
 * criterion on the model and a necessary paired margin over the control (bootstrap over the shared prompts):
 * <ul>
 *   <li>{@code dual-form-rec2ftp}: Rec2FTP ≥ {@code minRec2ftp} (Clopper–Pearson); Rec2FTP − control's ≥
 *       {@code minControlMargin}; Rec2FTP − its base rate ≥ {@code minRec2ftpOverBaseRate} (necessary, default
 *       {@value #MIN_REC2FTP_OVER_BASE_RATE}); and at least {@value #MIN_FT_FIXES} FT fixes, below which the verdict
 *       is inconclusive (the difference is then not judged: its bootstrap rests on too few prompts). The difference
 *       is not judged either (so the verdict is at best inconclusive) when fewer than
 *       {@value #MIN_ZSL_WRONG_UNFIXED} ZSL-wrong prompts are left unfixed by FT: Rec2FTP then equals its base rate
 *       whatever ICL does;</li>
 *   <li>{@code dual-form-simaou}: SimAOU − random baseline ≥ {@code minSimaouOverRandom}; that gap − control's gap ≥
 *       {@code minControlMargin};</li>
 *   <li>{@code dual-form-simam}: SimAM(ICL, FT) − SimAM(ZSL, FT) ≥ {@code minSimamOverZsl}; that gap − control's
 *       gap ≥ {@code minControlMargin}.</li>
 * </ul>
 * A metric whose control margin cannot be measured (e.g. the control's updates are all zero) is at best
 * inconclusive. The combined {@code dual-form} verdict is consistent only when all three metrics are; it is
 * inconsistent when any is, and the metrics' agreement is reported separately ({@code metrics_agree}), so a report
 * that shows one metric supporting and another refuting says the metrics disagree (as Shen et al. 2023 found on real
 * LLMs) rather than averaging them away.
 *
 * <p>Runs on GPT-2 regressors whose weights descent holds (trained by descent or imported from a safetensors
 * checkpoint): FT needs the weights and autograd. A TorchScript module exposes neither named weights nor attention
 * outputs, so it is refused.
 */
public final class DualFormProbe implements Probe {
    public static final String NAME = "dual-form";
    public static final String REC2FTP = "dual-form-rec2ftp";
    public static final String SIMAOU = "dual-form-simaou";
    public static final String SIMAM = "dual-form-simam";
    public static final String COMBINED = "dual-form";
    /** An attention-output update this small relative to ‖o_ZSL‖ counts as no update (float64 round-off is ~1e-15). */
    static final double ZERO_UPDATE = 1e-9;
    static final FinetuneScope KV = new FinetuneScope.KeyValueProjections();
    static final FinetuneScope ALL = new FinetuneScope.AllWeights();
    /**
     * Default of {@code minRec2ftpOverBaseRate}: how far Rec2FTP must exceed its base rate (ICL's accuracy on the
     * prompts ZSL gets wrong) for ICL's fixes to count as following FT's.
     */
    public static final double MIN_REC2FTP_OVER_BASE_RATE = 0.05;
    /** The bootstrap label of Rec2FTP − base rate (one label, so the verdict, metrics and tables show one interval). */
    private static final String OVER_BASE_RATE = REC2FTP + "-over-base-rate";
    /** Fewer prompts that FT fixes (FT ✓, ZSL ✗) than this leave the Rec2FTP verdict inconclusive. */
    public static final int MIN_FT_FIXES = 10;
    /**
     * Fewer prompts that ZSL gets wrong and FT does not fix than this leave Rec2FTP − base rate unjudged: when FT
     * fixes (nearly) every ZSL-wrong prompt, Rec2FTP and its base rate are (nearly) the same ratio, so their
     * difference is ≈ 0 whatever ICL does and can neither confirm nor refute agreement with FT.
     */
    public static final int MIN_ZSL_WRONG_UNFIXED = 10;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "Dai et al.'s dual form: ICL vs finetuning on the demonstrations (K/V and all weights) by Rec2FTP, "
                + "SimAOU and SimAM, each against a random-init control (GPT-2 models)";
    }

    @Override
    public Map<String, Object> defaultParameters() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("prompts", 64);
        m.put("fitPrompts", 32);
        m.put("queryPairs", 1);
        m.put("learningRates", List.of(0.001, 0.01, 0.1, 1.0));
        m.put("minRec2ftp", 0.8);
        m.put("minRec2ftpOverBaseRate", MIN_REC2FTP_OVER_BASE_RATE);
        m.put("minSimaouOverRandom", 0.1);
        m.put("minSimamOverZsl", 0.05);
        m.put("minControlMargin", 0.05);
        return m;
    }

    @Override
    public Optional<String> unsupportedReason(ModelUnderTest model) {
        if (gpt2(model) == null) {
            return Optional.of("dual-form finetunes the model's weights with DJL autograd, so it needs a GPT-2 whose "
                    + "weights descent holds (trained by descent or imported from safetensors); this model exposes no"
                    + " such weights (a TorchScript module's attention cannot be finetuned or read here)");
        }
        return Optional.empty();
    }

    static Gpt2Regressor gpt2(ModelUnderTest model) {
        return model.hiddenStates().orElse(null) instanceof Gpt2Regressor g ? g : null;
    }

    /** The settings of one run. */
    record Settings(int queryPairs, List<Double> learningRates, long randomSeed) {}

    /**
     * One condition's read-outs of B prompts.
     *
     * @param predictions the output at the prediction position {@code [B]}
     * @param attention the attention output there, {@code [L][B][E]}
     * @param maps the attention from the prediction position to the query segment's keys, {@code [L][B][H][S]}
     */
    record Readout(double[] predictions, double[][][] attention, double[][][][] maps) {}

    /**
     * The per-prompt measurements of one FT scope.
     *
     * @param learningRate the chosen rate
     * @param fitMse the fit prompts' FT query MSE per rate of the grid (NaN where FT diverged)
     * @param ft FT's read-outs on the judge prompts
     * @param simaou per layer and prompt {@code [L][B]} (NaN where undefined)
     * @param random the random-update baseline {@code [L][B]}
     * @param simamIcl per layer and prompt, mean over heads {@code [L][B]} (NaN when S &lt; 2)
     * @param simamZsl the ZSL baseline {@code [L][B]}
     */
    record ScopeResult(double learningRate, double[] fitMse, Readout ft, double[][] simaou, double[][] random,
            double[][] simamIcl, double[][] simamZsl) {
        double[] simaouPerPrompt() {
            return layerMean(simaou);
        }

        double[] randomPerPrompt() {
            return layerMean(random);
        }

        double[] simamIclPerPrompt() {
            return layerMean(simamIcl);
        }

        double[] simamZslPerPrompt() {
            return layerMean(simamZsl);
        }
    }

    /** Everything measured on one model. */
    record Analysis(double[] labels, Readout zsl, Readout icl, Map<String, ScopeResult> scopes) {
        ScopeResult kv() {
            return scopes.get(KV.name());
        }
    }

    @Override
    public ProbeResult run(ProbeContext ctx) {
        Gpt2Regressor model = gpt2(ctx.model());
        if (model == null) {
            throw new IllegalArgumentException(unsupportedReason(ctx.model()).orElseThrow());
        }
        int count = ctx.params().getInt("prompts", 2);
        int fitCount = ctx.params().getInt("fitPrompts", 1);
        int q = ctx.params().getInt("queryPairs", 1);
        List<Double> rates = ctx.params().getDoubleList("learningRates");
        if (rates.isEmpty() || rates.stream().anyMatch(r -> !(r > 0))) {
            throw new IllegalArgumentException("dual-form: learningRates must be a non-empty list of positive rates, "
                    + "got " + rates);
        }
        PromptSet judge = ctx.fits().judgeSet().head(Math.min(count, ctx.fits().judgeSet().size()));
        PromptSet fit = ctx.fits().fitSet().head(Math.min(fitCount, ctx.fits().fitSet().size()));
        if (q > judge.n()) {
            throw new IllegalArgumentException("dual-form: queryPairs " + q + " leaves no demonstration in prompts of "
                    + judge.n() + " pairs");
        }
        Settings settings = new Settings(q, rates, ctx.seed("random-update"));
        Analysis a = analyse(model, fit, judge, settings, ctx.manager());
        Optional<Controls.Control> control = Controls.isRandomInitControl(ctx.model()) ? Optional.empty()
                : Controls.randomInit(ctx.model(), ctx.seed("random-init"), ctx.manager());
        Analysis c = control.map(k -> analyse(gpt2(k.model()), fit, judge, settings, ctx.manager())).orElse(null);
        return report(ctx, a, c, control.map(Controls.Control::description).orElse(null), judge, fit, settings);
    }

    /** ZSL, ICL and FT (both scopes) of {@code model} on {@code judge}, learning rates chosen on {@code fit}. */
    static Analysis analyse(Gpt2Regressor model, PromptSet fit, PromptSet judge, Settings s, NDManager manager) {
        Gpt2Config config = model.weights().config();
        PromptLayout layout = model.layout();
        try (NDManager scope = manager.newSubManager()) {
            Map<String, NDArray> p = model.weights().toArrays(scope, DataType.FLOAT64);
            NDArray tokens = judge.tokensArray(scope, DataType.FLOAT64); // [B, N+1, d+1]
            int n = judge.n();
            int demos = n - s.queryPairs() + 1;
            NDArray zslTokens = tokens.get(new NDIndex(":, " + demos + ":, :")); // [B, q, d+1]
            Readout icl = read(config, layout, p, tokens, s.queryPairs());
            Readout zsl = read(config, layout, p, zslTokens, s.queryPairs());
            Map<String, ScopeResult> scopes = new LinkedHashMap<>();
            for (FinetuneScope f : List.of(KV, ALL)) {
                double[] fitMse = new double[s.learningRates().size()];
                int best = -1;
                for (int i = 0; i < fitMse.length; i++) {
                    fitMse[i] = fitError(config, layout, p, fit, s.queryPairs(), s.learningRates().get(i), f, scope);
                    if (Double.isFinite(fitMse[i]) && (best < 0 || fitMse[i] < fitMse[best])) {
                        best = i;
                    }
                }
                // FT that diverges at every rate leaves its metrics undefined (NaN), hence inconclusive; the
                // smallest rate is then used and fit_mse_by_learning_rate shows the divergence
                double lr = best >= 0 ? s.learningRates().get(best)
                        : s.learningRates().stream().mapToDouble(Double::doubleValue).min().orElseThrow();
                Readout ft = finetuned(config, layout, p, tokens, s.queryPairs(), lr, f, scope);
                scopes.put(f.name(), compare(zsl, icl, ft, lr, fitMse, new SplittableRandom(s.randomSeed())));
            }
            return new Analysis(judge.targets(), zsl, icl, scopes);
        }
    }

    /** The mean squared error of FT's query predictions on {@code fit} at {@code lr} (NaN when FT diverges). */
    private static double fitError(Gpt2Config config, PromptLayout layout, Map<String, NDArray> p, PromptSet fit,
            int q, double lr, FinetuneScope f, NDManager manager) {
        try (NDManager scope = manager.newSubManager()) {
            Readout r = finetuned(config, layout, p, fit.tokensArray(scope, DataType.FLOAT64), q, lr, f, scope);
            double[] y = fit.targets();
            double sum = 0;
            for (int b = 0; b < y.length; b++) {
                double e = r.predictions()[b] - y[b];
                sum += e * e;
            }
            return Double.isFinite(sum) ? sum / y.length : Double.NaN;
        }
    }

    /** FT per prompt of {@code tokens [B, N+1, d+1]}: finetune on its demonstrations, read the ZSL input. */
    static Readout finetuned(Gpt2Config config, PromptLayout layout, Map<String, NDArray> p, NDArray tokens, int q,
            double lr, FinetuneScope f, NDManager manager) {
        int b = (int) tokens.getShape().get(0);
        int n = (int) tokens.getShape().get(1) - 1;
        int demos = n - q + 1;
        long w = tokens.getShape().get(2);
        double[] preds = new double[b];
        double[][][] att = new double[config.layers()][b][];
        double[][][][] maps = new double[config.layers()][b][][];
        for (int i = 0; i < b; i++) {
            try (NDManager scope = manager.newSubManager()) {
                NDArray prompt = tokens.get(new NDIndex(i + ":" + (i + 1))); // [1, N+1, d+1]
                NDArray train = trainingPrompts(prompt.get(new NDIndex("0")), demos); // [D, q, d+1]
                NDArray labels = prompt.get(new NDIndex("0, :" + demos + ", -1")); // [D]
                Map<String, NDArray> tuned = Gpt2Finetuning.finetune(config, layout, p, train, labels, lr, f, scope);
                Readout r = read(config, layout, tuned, prompt.get(new NDIndex(":, " + demos + ":, :")), q);
                preds[i] = r.predictions()[0];
                for (int l = 0; l < config.layers(); l++) {
                    att[l][i] = r.attention()[l][0];
                    maps[l][i] = r.maps()[l][0];
                }
            }
        }
        return new Readout(preds, att, maps);
    }

    /**
     * FT's training prompts of one prompt {@code [N+1, d+1]}: every demonstration in the ZSL input's format, i.e. the
     * query segment's {@code q − 1} labelled pairs followed by the demonstration's input as the query (label slot 0),
     * {@code [D, q, d+1]}; with {@code q = 1} each demonstration's input alone.
     */
    static NDArray trainingPrompts(NDArray prompt, int demos) {
        long rows = prompt.getShape().get(0);
        long w = prompt.getShape().get(1);
        NDArray inputs = prompt.get(new NDIndex(":" + demos + ", :")).duplicate(); // [D, d+1]
        inputs.set(new NDIndex(":, -1"), 0);
        NDArray queries = inputs.reshape(demos, 1, w); // [D, 1, d+1]
        if (rows - 1 == demos) {
            return queries;
        }
        NDArray context = prompt.get(new NDIndex(demos + ":-1, :")).expandDims(0)
                .repeat(0, demos); // [D, q−1, d+1]
        return context.concat(queries, 1);
    }

    /** One pass over canonical tokens {@code [B, K+1, d+1]}: the read-outs at the prediction position. */
    static Readout read(Gpt2Config config, PromptLayout layout, Map<String, NDArray> p, NDArray tokens, int q) {
        try (NDManager scope = tokens.getManager().newSubManager()) {
            NDArray x = tokens.duplicate();
            x.attach(scope);
            int k = (int) x.getShape().get(1) - 1;
            int at = layout.predictionPosition(k, k);
            int t = layout.length(k);
            int segment = layout.length(q - 1);
            Gpt2Transformer.Activations a = Gpt2Transformer.run(config, p, layout.encode(x), true);
            int b = (int) x.getShape().get(0);
            double[] preds = a.outputs().get(new NDIndex(":, " + at)).toDoubleArray();
            double[][][] att = new double[config.layers()][b][];
            double[][][][] maps = new double[config.layers()][b][config.heads()][];
            for (int l = 0; l < config.layers(); l++) {
                double[] o = a.attentionOutputs().get(l).get(new NDIndex(":, " + at + ", :")).toDoubleArray(); // [B*E]
                double[] m = a.patterns().get(l).get(new NDIndex(":, :, " + at + ", " + (t - segment) + ":"))
                        .toDoubleArray(); // [B, H, S]
                int e = config.width();
                for (int i = 0; i < b; i++) {
                    att[l][i] = java.util.Arrays.copyOfRange(o, i * e, (i + 1) * e);
                    for (int h = 0; h < config.heads(); h++) {
                        int from = (i * config.heads() + h) * segment;
                        maps[l][i][h] = java.util.Arrays.copyOfRange(m, from, from + segment);
                    }
                }
            }
            return new Readout(preds, att, maps);
        }
    }

    /** SimAOU (with the random baseline) and SimAM (ICL and ZSL against FT), per layer and prompt. */
    static ScopeResult compare(Readout zsl, Readout icl, Readout ft, double lr, double[] fitMse, SplittableRandom rng) {
        int layers = zsl.attention().length;
        int b = zsl.predictions().length;
        double[][] simaou = new double[layers][b];
        double[][] random = new double[layers][b];
        double[][] simamIcl = new double[layers][b];
        double[][] simamZsl = new double[layers][b];
        for (int l = 0; l < layers; l++) {
            for (int i = 0; i < b; i++) {
                double[] base = zsl.attention()[l][i];
                double[] dIcl = minus(icl.attention()[l][i], base);
                double[] dFt = minus(ft.attention()[l][i], base);
                double[] r = new double[base.length];
                for (int j = 0; j < r.length; j++) {
                    r[j] = rng.nextGaussian();
                }
                double scale = ZERO_UPDATE * Math.max(norm(base), Double.MIN_NORMAL);
                boolean defined = norm(dIcl) > scale && norm(dFt) > scale;
                simaou[l][i] = defined ? cosine(dIcl, dFt) : Double.NaN;
                random[l][i] = norm(dIcl) > scale ? cosine(dIcl, r) : Double.NaN;
                int heads = zsl.maps()[l][i].length;
                int segment = zsl.maps()[l][i][0].length;
                if (segment < 2) {
                    simamIcl[l][i] = Double.NaN;
                    simamZsl[l][i] = Double.NaN;
                    continue;
                }
                double si = 0;
                double sz = 0;
                for (int h = 0; h < heads; h++) {
                    si += cosine(icl.maps()[l][i][h], ft.maps()[l][i][h]);
                    sz += cosine(zsl.maps()[l][i][h], ft.maps()[l][i][h]);
                }
                simamIcl[l][i] = si / heads;
                simamZsl[l][i] = sz / heads;
            }
        }
        return new ScopeResult(lr, fitMse, ft, simaou, random, simamIcl, simamZsl);
    }

    // ---------------------------------------------------------------- statistics

    static double[] minus(double[] a, double[] b) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i] - b[i];
        }
        return out;
    }

    static double norm(double[] a) {
        double s = 0;
        for (double v : a) {
            s += v * v;
        }
        return Math.sqrt(s);
    }

    static double cosine(double[] a, double[] b) {
        double dot = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
        }
        return dot / (norm(a) * norm(b));
    }

    /** The mean over the defined (non-NaN) layers of each prompt, NaN when none is defined; {@code [L][B] → [B]}. */
    static double[] layerMean(double[][] perLayer) {
        int b = perLayer[0].length;
        double[] out = new double[b];
        for (int i = 0; i < b; i++) {
            double s = 0;
            int c = 0;
            for (double[] layer : perLayer) {
                if (!Double.isNaN(layer[i])) {
                    s += layer[i];
                    c++;
                }
            }
            out[i] = c == 0 ? Double.NaN : s / c;
        }
        return out;
    }

    /** The mean of {@code values[idx]} over the defined entries, NaN when none is defined. */
    static ToDoubleFunction<int[]> nanMean(double[] values) {
        return idx -> {
            double s = 0;
            int c = 0;
            for (int i : idx) {
                if (!Double.isNaN(values[i])) {
                    s += values[i];
                    c++;
                }
            }
            return c == 0 ? Double.NaN : s / c;
        };
    }

    /** Per prompt [FT ✓ ∧ ZSL ✗] and [FT ✓ ∧ ZSL ✗ ∧ ICL ✓]: the denominator and numerator of Rec2FTP. */
    static double[][] rec2ftpCounts(Analysis a) {
        int b = a.labels().length;
        double[] fixes = new double[b];
        double[] covered = new double[b];
        for (int i = 0; i < b; i++) {
            boolean ft = correct(a.kv().ft().predictions()[i], a.labels()[i]);
            boolean zsl = correct(a.zsl().predictions()[i], a.labels()[i]);
            boolean icl = correct(a.icl().predictions()[i], a.labels()[i]);
            fixes[i] = ft && !zsl ? 1 : 0;
            covered[i] = ft && !zsl && icl ? 1 : 0;
        }
        return new double[][] {covered, fixes};
    }

    /** Per prompt [ZSL ✗ ∧ ICL ✓] and [ZSL ✗]: the numerator and denominator of Rec2FTP's base rate. */
    static double[][] baseRateCounts(Analysis a) {
        int b = a.labels().length;
        double[] wrong = new double[b];
        double[] icl = new double[b];
        for (int i = 0; i < b; i++) {
            boolean zslRight = correct(a.zsl().predictions()[i], a.labels()[i]);
            wrong[i] = zslRight ? 0 : 1;
            icl[i] = !zslRight && correct(a.icl().predictions()[i], a.labels()[i]) ? 1 : 0;
        }
        return new double[][] {icl, wrong};
    }

    /** Rec2FTP's base rate, ICL's accuracy on the prompts ZSL gets wrong, as a function of resampled prompts. */
    static ToDoubleFunction<int[]> rec2ftpBaseRate(Analysis a) {
        double[][] c = baseRateCounts(a);
        return idx -> ratio(c[0], c[1], idx);
    }

    /** Rec2FTP − its base rate on the same resampled prompts (paired). */
    static ToDoubleFunction<int[]> rec2ftpOverBaseRate(Analysis a) {
        ToDoubleFunction<int[]> r = rec2ftp(a);
        ToDoubleFunction<int[]> base = rec2ftpBaseRate(a);
        return idx -> r.applyAsDouble(idx) - base.applyAsDouble(idx);
    }

    /** The number of prompts FT fixes (FT ✓, ZSL ✗): Rec2FTP's denominator. */
    static int ftFixes(Analysis a) {
        return (int) java.util.Arrays.stream(rec2ftpCounts(a)[1]).sum();
    }

    /**
     * The exact binomial (Clopper–Pearson) interval of {@code successes} out of {@code trials} at {@code level}
     * (Beta quantiles from Hipparchus); NaN throughout when {@code trials} is 0. Conservative: it covers at least
     * {@code level} for every true proportion, and for k of k it is [(α/2)^(1/k), 1], not [1, 1].
     */
    static Bootstrap.Interval clopperPearson(int successes, int trials, double level) {
        if (trials == 0) {
            return new Bootstrap.Interval(Double.NaN, Double.NaN, Double.NaN, level, 0);
        }
        double alpha = (1 - level) / 2;
        double lower = successes == 0 ? 0 : new org.hipparchus.distribution.continuous.BetaDistribution(successes,
                trials - successes + 1).inverseCumulativeProbability(alpha);
        double upper = successes == trials ? 1 : new org.hipparchus.distribution.continuous.BetaDistribution(
                successes + 1, trials - successes).inverseCumulativeProbability(1 - alpha);
        return new Bootstrap.Interval((double) successes / trials, lower, upper, level, trials);
    }

    /** Rec2FTP with its Clopper–Pearson interval over FT's fixes. */
    static Bootstrap.Interval rec2ftpInterval(Analysis a, double level) {
        double[][] c = rec2ftpCounts(a);
        return clopperPearson((int) java.util.Arrays.stream(c[0]).sum(), (int) java.util.Arrays.stream(c[1]).sum(),
                level);
    }

    /** The base rate with its Clopper–Pearson interval over the prompts ZSL gets wrong. */
    static Bootstrap.Interval baseRateInterval(Analysis a, double level) {
        double[][] c = baseRateCounts(a);
        return clopperPearson((int) java.util.Arrays.stream(c[0]).sum(), (int) java.util.Arrays.stream(c[1]).sum(),
                level);
    }

    static boolean correct(double prediction, double label) {
        return Math.signum(prediction) == Math.signum(label) && prediction != 0;
    }

    static double accuracy(double[] predictions, double[] labels) {
        int c = 0;
        for (int i = 0; i < labels.length; i++) {
            c += correct(predictions[i], labels[i]) ? 1 : 0;
        }
        return (double) c / labels.length;
    }

    private static double ratio(double[] num, double[] den, int[] idx) {
        double n = 0;
        double d = 0;
        for (int i : idx) {
            n += num[i];
            d += den[i];
        }
        return d == 0 ? Double.NaN : n / d;
    }

    /** The three statistics per metric (on the model's per-prompt arrays) as functions of resampled prompts. */
    static ToDoubleFunction<int[]> rec2ftp(Analysis a) {
        double[][] c = rec2ftpCounts(a);
        return idx -> ratio(c[0], c[1], idx);
    }

    static ToDoubleFunction<int[]> simaouGap(ScopeResult s) {
        return nanMean(minus(s.simaouPerPrompt(), s.randomPerPrompt()));
    }

    static ToDoubleFunction<int[]> simamGap(ScopeResult s) {
        return nanMean(minus(s.simamIclPerPrompt(), s.simamZslPerPrompt()));
    }

    /** Resamples may leave a statistic undefined (a ratio with no FT fix, no defined layer); at most this share. */
    static final double MAX_UNDEFINED_RESAMPLES = 0.1;

    /**
     * The prompt-bootstrap interval of {@code stat} over the resamples where it is defined (percentiles of the
     * non-NaN resample values); NaN ends when more than {@value #MAX_UNDEFINED_RESAMPLES} of the resamples leave it
     * undefined, a NaN estimate when the full sample does.
     */
    static Bootstrap.Interval robust(PromptBootstrap boot, String label, int n, ToDoubleFunction<int[]> stat) {
        List<Double> values = new ArrayList<>();
        Bootstrap.Interval raw = boot.of(label, n, idx -> {
            double v = stat.applyAsDouble(idx);
            values.add(v);
            return v;
        });
        if (n == 1 || values.size() < 2) {
            return raw;
        }
        double[] finite = values.subList(1, values.size()).stream().mapToDouble(Double::doubleValue)
                .filter(v -> !Double.isNaN(v)).sorted().toArray();
        int resamples = values.size() - 1;
        if (finite.length < (1 - MAX_UNDEFINED_RESAMPLES) * resamples) {
            return new Bootstrap.Interval(raw.estimate(), Double.NaN, Double.NaN, raw.level(), n);
        }
        double alpha = (1 - raw.level()) / 2;
        return new Bootstrap.Interval(raw.estimate(), Bootstrap.quantile(finite, alpha),
                Bootstrap.quantile(finite, 1 - alpha), raw.level(), n);
    }

    private static Map<String, Object> interval(Bootstrap.Interval ci) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("estimate", ci.estimate());
        m.put("lower", ci.lower());
        m.put("upper", ci.upper());
        return m;
    }

    /** The metrics of one model (the model or its control) as a JSON map. */
    static Map<String, Object> metrics(Analysis a, PromptBootstrap boot, String prefix) {
        Map<String, Object> m = new LinkedHashMap<>();
        int b = a.labels().length;
        double[][] counts = rec2ftpCounts(a);
        double[][] base = baseRateCounts(a);
        m.put("rec2ftp", interval(rec2ftpInterval(a, boot.level())));
        m.put("rec2ftp_base_rate", interval(baseRateInterval(a, boot.level())));
        m.put("rec2ftp_over_base_rate", interval(robust(boot, prefix + OVER_BASE_RATE, b, rec2ftpOverBaseRate(a))));
        m.put("rec2ftp_ft_fixes", (int) java.util.Arrays.stream(counts[1]).sum());
        m.put("rec2ftp_icl_covers", (int) java.util.Arrays.stream(counts[0]).sum());
        m.put("rec2ftp_zsl_wrong", (int) java.util.Arrays.stream(base[1]).sum());
        m.put("rec2ftp_icl_right_where_zsl_wrong", (int) java.util.Arrays.stream(base[0]).sum());
        Map<String, Object> acc = new LinkedHashMap<>();
        acc.put("zsl", accuracy(a.zsl().predictions(), a.labels()));
        acc.put("icl", accuracy(a.icl().predictions(), a.labels()));
        for (Map.Entry<String, ScopeResult> e : a.scopes().entrySet()) {
            acc.put("ft_" + e.getKey(), accuracy(e.getValue().ft().predictions(), a.labels()));
        }
        m.put("sign_accuracy", acc);
        for (Map.Entry<String, ScopeResult> e : a.scopes().entrySet()) {
            ScopeResult s = e.getValue();
            String p = prefix + e.getKey() + "-";
            Map<String, Object> sm = new LinkedHashMap<>();
            sm.put("learning_rate", s.learningRate());
            sm.put("fit_mse_by_learning_rate", s.fitMse());
            sm.put("simaou", interval(robust(boot, p + "simaou", b, nanMean(s.simaouPerPrompt()))));
            sm.put("simaou_random", interval(robust(boot, p + "simaou-random", b, nanMean(s.randomPerPrompt()))));
            sm.put("simaou_over_random", interval(robust(boot, p + "simaou-gap", b, simaouGap(s))));
            sm.put("simaou_defined_prompts", defined(s.simaouPerPrompt()));
            sm.put("simam_icl", interval(robust(boot, p + "simam-icl", b, nanMean(s.simamIclPerPrompt()))));
            sm.put("simam_zsl", interval(robust(boot, p + "simam-zsl", b, nanMean(s.simamZslPerPrompt()))));
            sm.put("simam_over_zsl", interval(robust(boot, p + "simam-gap", b, simamGap(s))));
            List<Map<String, Object>> layers = new ArrayList<>();
            for (int l = 0; l < s.simaou().length; l++) {
                Map<String, Object> lm = new LinkedHashMap<>();
                lm.put("layer", l);
                lm.put("simaou", interval(robust(boot, p + "simaou-" + l, b, nanMean(s.simaou()[l]))));
                lm.put("simaou_random", nanMean(s.random()[l]).applyAsDouble(all(b)));
                lm.put("simam_icl", interval(robust(boot, p + "simam-icl-" + l, b, nanMean(s.simamIcl()[l]))));
                lm.put("simam_zsl", nanMean(s.simamZsl()[l]).applyAsDouble(all(b)));
                layers.add(lm);
            }
            sm.put("per_layer", layers);
            m.put(e.getKey().equals(KV.name()) ? "ft_kv" : "ft_all", sm);
        }
        return m;
    }

    private static int defined(double[] v) {
        return (int) java.util.Arrays.stream(v).filter(x -> !Double.isNaN(x)).count();
    }

    static int[] all(int b) {
        int[] idx = new int[b];
        java.util.Arrays.setAll(idx, i -> i);
        return idx;
    }

    /**
     * The verdict on one metric: the model's statistic against its threshold (sufficient) and its paired margin over
     * the control (necessary; unmeasurable → at best inconclusive).
     */
    static Verdict verdict(String hypothesis, String label, ToDoubleFunction<int[]> model,
            ToDoubleFunction<int[]> control, int b, PromptBootstrap boot, double threshold, double margin,
            String undefinedNote) {
        List<Evidence> ev = new ArrayList<>();
        Bootstrap.Interval ci = robust(boot, hypothesis, b, model);
        ev.add(Evidence.decide(label, ci, Evidence.Comparison.AT_LEAST, threshold).sufficient());
        Evidence gate;
        if (control == null) {
            gate = Evidence.unmeasured(label + " − random-init control's", Evidence.Comparison.AT_LEAST, margin);
        } else {
            Bootstrap.Interval m = robust(boot, hypothesis + "-control-margin", b,
                    idx -> model.applyAsDouble(idx) - control.applyAsDouble(idx));
            gate = Evidence.decide(label + " − random-init control's", m, Evidence.Comparison.AT_LEAST, margin);
        }
        ev.add(gate);
        Verdict v = Verdict.of(hypothesis, ev, Double.isNaN(ci.estimate()) ? undefinedNote : "");
        if (v.outcome() == Outcome.CONSISTENT && gate.outcome() != Outcome.CONSISTENT) {
            return new Verdict(hypothesis, Outcome.INCONCLUSIVE, ev, "the margin over the random-init control is "
                    + (control == null ? "not measured (no control)" : "not clear"));
        }
        return v;
    }

    /**
     * The Rec2FTP verdict. Evidence, in this order: (0) Rec2FTP ≥ {@code minRec2ftp} on its Clopper–Pearson interval
     * (sufficient); (1) Rec2FTP − the control's ≥ {@code margin}, paired prompt bootstrap (necessary); (2) Rec2FTP −
     * its base rate ≥ {@code minOverBaseRate}, paired prompt bootstrap (necessary: an ICL that is accurate everywhere
     * reaches Rec2FTP ≈ its accuracy whatever FT fixes, and fails it). With fewer than {@value #MIN_FT_FIXES} FT fixes
     * (2) is not judged (NaN interval) and the verdict is inconclusive with a note saying why; with fewer than
     * {@value #MIN_ZSL_WRONG_UNFIXED} ZSL-wrong prompts FT leaves unfixed, (2) is not judged either (Rec2FTP then
     * equals its base rate whatever ICL does), so the verdict is at best inconclusive, with a note.
     */
    static Verdict rec2ftpVerdict(Analysis a, Analysis c, PromptBootstrap boot, double minRec2ftp,
            double minOverBaseRate, double margin) {
        int b = a.labels().length;
        int fixes = ftFixes(a);
        List<Evidence> ev = new ArrayList<>();
        ev.add(Evidence.decide("Rec2FTP (exact binomial over " + fixes + " FT fixes)", rec2ftpInterval(a,
                boot.level()), Evidence.Comparison.AT_LEAST, minRec2ftp).sufficient());
        Evidence gate;
        if (c == null) {
            gate = Evidence.unmeasured("Rec2FTP − random-init control's", Evidence.Comparison.AT_LEAST, margin);
        } else {
            ToDoubleFunction<int[]> model = rec2ftp(a);
            ToDoubleFunction<int[]> control = rec2ftp(c);
            gate = Evidence.decide("Rec2FTP − random-init control's", robust(boot, REC2FTP + "-control-margin", b,
                    idx -> model.applyAsDouble(idx) - control.applyAsDouble(idx)), Evidence.Comparison.AT_LEAST,
                    margin);
        }
        ev.add(gate);
        String baseLabel = "Rec2FTP − base rate P(ICL ✓ | ZSL ✗)";
        Bootstrap.Interval lift = robust(boot, OVER_BASE_RATE, b, rec2ftpOverBaseRate(a));
        int unfixed = (int) java.util.Arrays.stream(baseRateCounts(a)[1]).sum() - fixes;
        if (fixes < MIN_FT_FIXES || unfixed < MIN_ZSL_WRONG_UNFIXED) {
            lift = new Bootstrap.Interval(lift.estimate(), Double.NaN, Double.NaN, lift.level(), lift.n());
        }
        ev.add(Evidence.decide(baseLabel, lift, Evidence.Comparison.AT_LEAST, minOverBaseRate));
        if (fixes == 0) {
            return new Verdict(REC2FTP, Outcome.INCONCLUSIVE, ev,
                    "FT corrected no ZSL prediction, so Rec2FTP is undefined");
        }
        if (fixes < MIN_FT_FIXES) {
            return new Verdict(REC2FTP, Outcome.INCONCLUSIVE, ev, "FT fixes only " + fixes + " prompt(s) (fewer than "
                    + MIN_FT_FIXES + "): Rec2FTP rests on too few prompts to judge");
        }
        Verdict v = Verdict.of(REC2FTP, ev, "");
        if (v.outcome() == Outcome.CONSISTENT && gate.outcome() != Outcome.CONSISTENT) {
            return new Verdict(REC2FTP, Outcome.INCONCLUSIVE, ev, "the margin over the random-init control is "
                    + (c == null ? "not measured (no control)" : "not clear"));
        }
        if (unfixed < MIN_ZSL_WRONG_UNFIXED) {
            // a passing level and margin cannot confirm without the difference (necessary, unjudged here)
            Outcome o = v.outcome() == Outcome.CONSISTENT ? Outcome.INCONCLUSIVE : v.outcome();
            return new Verdict(REC2FTP, o, ev, "FT fixes " + fixes + " of the " + (fixes + unfixed)
                    + " prompts ZSL gets wrong, leaving " + unfixed + " (fewer than " + MIN_ZSL_WRONG_UNFIXED + ") to "
                    + "compare ICL against: Rec2FTP cannot differ from its base rate, so agreement with FT is not "
                    + "judged");
        }
        if (v.outcome() == Outcome.CONSISTENT && ev.get(2).outcome() != Outcome.CONSISTENT) {
            return new Verdict(REC2FTP, Outcome.INCONCLUSIVE, ev, "Rec2FTP's lift over its base rate is not clear");
        }
        if (ev.get(2).outcome() == Outcome.INCONSISTENT) {
            return new Verdict(REC2FTP, v.outcome(), ev, "ICL is as right on the prompts FT does not fix as on those "
                    + "it fixes: Rec2FTP measures ICL's accuracy, not its agreement with FT");
        }
        return v;
    }

    /** The three metric verdicts (K/V finetuning) and the combined one. */
    static List<Verdict> verdicts(Analysis a, Analysis c, PromptBootstrap boot, double minRec2ftp,
            double minOverBaseRate, double minSimaou, double minSimam, double margin) {
        int b = a.labels().length;
        List<Verdict> out = new ArrayList<>();
        out.add(rec2ftpVerdict(a, c, boot, minRec2ftp, minOverBaseRate, margin));
        out.add(verdict(SIMAOU, "SimAOU − random", simaouGap(a.kv()), c == null ? null : simaouGap(c.kv()), b, boot,
                minSimaou, margin, "no prompt has both an ICL and an FT update of the attention output"));
        out.add(verdict(SIMAM, "SimAM(ICL, FT) − SimAM(ZSL, FT)", simamGap(a.kv()), c == null ? null
                : simamGap(c.kv()), b, boot, minSimam, margin, "the query segment is one token, so every attention map "
                + "over it is [1] (set queryPairs ≥ 2)"));
        List<Evidence> all = new ArrayList<>();
        for (Verdict v : out) {
            all.addAll(v.evidence());
        }
        long consistent = out.stream().filter(v -> v.outcome() == Outcome.CONSISTENT).count();
        long inconsistent = out.stream().filter(v -> v.outcome() == Outcome.INCONSISTENT).count();
        Outcome combined = consistent == out.size() ? Outcome.CONSISTENT
                : inconsistent > 0 ? Outcome.INCONSISTENT : Outcome.INCONCLUSIVE;
        String note = consistent > 0 && inconsistent > 0 ? "the metrics disagree: " + summary(out)
                : "metrics: " + summary(out);
        out.add(new Verdict(COMBINED, combined, all, note));
        return out;
    }

    private static String summary(List<Verdict> vs) {
        List<String> parts = new ArrayList<>();
        for (Verdict v : vs) {
            parts.add(v.hypothesis().replace("dual-form-", "") + " " + v.outcome().label());
        }
        return String.join(", ", parts);
    }

    private ProbeResult report(ProbeContext ctx, Analysis a, Analysis c, String controlDescription, PromptSet judge,
            PromptSet fit, Settings s) {
        PromptBootstrap boot = ctx.bootstrap();
        List<Verdict> verdicts = verdicts(a, c, boot, ctx.params().getDouble("minRec2ftp"),
                ctx.params().getDouble("minRec2ftpOverBaseRate"),
                ctx.params().getDouble("minSimaouOverRandom"), ctx.params().getDouble("minSimamOverZsl"),
                ctx.params().getDouble("minControlMargin"));
        ProbeResult.Builder out = ProbeResult.builder(NAME);
        out.metric("judge_prompts", judge.size());
        out.metric("fit_prompts", fit.size());
        out.metric("query_pairs", s.queryPairs());
        out.metric("demonstrations", judge.n() - s.queryPairs() + 1);
        out.metric("learning_rate_grid", s.learningRates());
        out.metrics(metrics(a, boot, ""));
        if (c != null) {
            out.metric("random_init_control", metrics(c, boot, "control-"));
        }
        Map<String, String> byMetric = new LinkedHashMap<>();
        for (Verdict v : verdicts) {
            out.verdict(v);
            byMetric.put(v.hypothesis(), v.outcome().label());
        }
        out.metric("verdicts", byMetric);
        long distinct = verdicts.subList(0, 3).stream().map(Verdict::outcome).distinct().count();
        out.metric("metrics_agree", distinct == 1);
        out.paragraph(String.format(Locale.ROOT, "ZSL: the query segment alone (%d pair(s) before x_q dropped to %d); "
                + "ICL: the whole prompt (%d demonstrations); FT: the weights finetuned on the demonstrations, each "
                + "as its own zero-shot prompt in the ZSL input's format, by SGD (one epoch, one example per step), learning rate chosen per "
                + "scope from %s on %d fit prompts by FT's query MSE; judged on %d held-out prompts. Verdicts use "
                + "K/V finetuning (Dai et al.); all-weights finetuning is shown beside.", judge.n(), s.queryPairs() - 1,
                judge.n() - s.queryPairs() + 1, s.learningRates(), fit.size(), judge.size()));
        double[][] base = baseRateCounts(a);
        out.paragraph(String.format(Locale.ROOT, "Rec2FTP (K/V FT) %s over %d FT fixes (exact binomial interval); its "
                + "base rate, ICL's accuracy on the %d prompts ZSL gets wrong (what Rec2FTP is when FT's fixes are "
                + "unrelated to ICL), %s; Rec2FTP − base rate %s (paired prompt bootstrap), required ≥ %s, with at "
                + "least %d FT fixes.", ProbeStatistics.interval(rec2ftpInterval(a, boot.level())), ftFixes(a),
                (int) java.util.Arrays.stream(base[1]).sum(), ProbeStatistics.interval(baseRateInterval(a, boot.level())),
                ProbeStatistics.interval(robust(boot, OVER_BASE_RATE, judge.size(), rec2ftpOverBaseRate(a))),
                Report.num(ctx.params().getDouble("minRec2ftpOverBaseRate")), MIN_FT_FIXES));
        List<List<String>> rows = new ArrayList<>();
        addRows(rows, "model", a, boot, "");
        if (c != null) {
            addRows(rows, "random-init", c, boot, "control-");
        }
        out.table("Dual-form metrics (95% intervals: exact binomial for Rec2FTP and its base rate, prompt bootstrap "
                + "otherwise)", List.of("model", "FT scope", "lr", "Rec2FTP", "base rate P(ICL ✓ | ZSL ✗)",
                "Rec2FTP − base rate", "SimAOU", "SimAOU random", "SimAM(ICL, FT)", "SimAM(ZSL, FT)", "sign accuracy ZSL / ICL / FT"),
                rows);
        List<List<String>> layers = new ArrayList<>();
        for (int l = 0; l < a.kv().simaou().length; l++) {
            int ll = l;
            layers.add(List.of(Integer.toString(l),
                    Report.num(nanMean(a.kv().simaou()[l]).applyAsDouble(all(judge.size()))),
                    Report.num(nanMean(a.kv().random()[l]).applyAsDouble(all(judge.size()))),
                    Report.num(nanMean(a.kv().simamIcl()[l]).applyAsDouble(all(judge.size()))),
                    Report.num(nanMean(a.kv().simamZsl()[l]).applyAsDouble(all(judge.size()))),
                    c == null ? "" : Report.num(nanMean(c.kv().simaou()[ll]).applyAsDouble(all(judge.size()))),
                    Report.num(nanMean(a.scopes().get(ALL.name()).simaou()[l]).applyAsDouble(all(judge.size())))));
        }
        out.table("Per layer (K/V finetuning unless stated)", List.of("layer", "SimAOU", "SimAOU random",
                "SimAM(ICL, FT)", "SimAM(ZSL, FT)", "random-init SimAOU", "SimAOU (all-weights FT)"), layers);
        List<List<String>> ev = new ArrayList<>();
        for (Verdict v : verdicts.subList(0, 3)) {
            for (Evidence e : v.evidence()) {
                ev.add(List.of(v.hypothesis(), e.criterion(), Report.num(e.effectSize()), e.intervalText(),
                        e.requirement(), e.outcome().label()));
            }
            ev.add(List.of(v.hypothesis(), "verdict", "", "", "", v.outcome().label() + (v.note().isEmpty() ? ""
                    : " (" + v.note() + ")")));
        }
        Verdict combined = verdicts.get(3);
        ev.add(List.of(COMBINED, "combined", "", "", "", combined.outcome().label() + " (" + combined.note() + ")"));
        out.table("Verdicts", List.of("hypothesis", "criterion", "value", "interval", "requirement", "outcome"), ev);
        if (controlDescription != null) {
            out.paragraph("Random-init control: " + controlDescription + ".");
        }
        out.note("combined " + combined.outcome().label() + "; " + combined.note());
        return out.build();
    }

    private static void addRows(List<List<String>> rows, String who, Analysis a, PromptBootstrap boot, String p) {
        int b = a.labels().length;
        String base = ProbeStatistics.interval(baseRateInterval(a, boot.level()));
        for (Map.Entry<String, ScopeResult> e : a.scopes().entrySet()) {
            ScopeResult s = e.getValue();
            String q = p + e.getKey() + "-";
            Analysis only = e.getValue() == a.kv() ? a : rec2ftpScope(a, s);
            rows.add(List.of(who, e.getValue() == a.kv() ? "K/V" : "all", Report.num(s.learningRate()),
                    ProbeStatistics.interval(rec2ftpInterval(only, boot.level())) + " (" + ftFixes(only) + " fixes)", base,
                    ProbeStatistics.interval(robust(boot, (e.getValue() == a.kv() ? p : q) + OVER_BASE_RATE, b,
                            rec2ftpOverBaseRate(only))),
                    ProbeStatistics.interval(robust(boot, q + "simaou", b, nanMean(s.simaouPerPrompt()))),
                    ProbeStatistics.interval(robust(boot, q + "simaou-random", b, nanMean(s.randomPerPrompt()))),
                    ProbeStatistics.interval(robust(boot, q + "simam-icl", b, nanMean(s.simamIclPerPrompt()))),
                    ProbeStatistics.interval(robust(boot, q + "simam-zsl", b, nanMean(s.simamZslPerPrompt()))),
                    String.format(Locale.ROOT, "%s / %s / %s", Report.num(accuracy(a.zsl().predictions(), a.labels())),
                            Report.num(accuracy(a.icl().predictions(), a.labels())),
                            Report.num(accuracy(s.ft().predictions(), a.labels())))));
        }
    }

    /** {@code a} with FT scope {@code s} in the K/V slot, for Rec2FTP against that scope's predictions. */
    static Analysis rec2ftpScope(Analysis a, ScopeResult s) {
        Map<String, ScopeResult> only = new LinkedHashMap<>();
        only.put(KV.name(), s);
        return new Analysis(a.labels(), a.zsl(), a.icl(), only);
    }
}
