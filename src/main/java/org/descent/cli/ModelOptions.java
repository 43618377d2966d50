package org.descent.cli;

import java.util.function.Predicate;
import org.descent.experiment.ExperimentConfig;
import org.descent.model.ModelConfig;
import picocli.CommandLine.Option;

/**
 * The model to train: an LSA ({@code --arch lsa}, the default) or a GPT-2-style regressor ({@code --arch gpt2}).
 * Options of the other architecture are refused with a one-line error. Defaults come from {@link ExperimentDefaults}
 * (the LSA's) and from the constants below (GPT-2's, sized for a CPU).
 */
final class ModelOptions {
    static final int GPT2_LAYERS = 3;
    static final int GPT2_HEADS = 2;
    static final int GPT2_WIDTH = 64;
    static final String GPT2_LAYOUT = "interleaved";

    @Option(names = "--arch", paramLabel = "A",
            description = "Architecture: lsa (linear self-attention) or gpt2 (Garg et al.'s GPT-2 regressor) "
                    + "(default: ${DEFAULT-VALUE}).")
    String arch;

    @Option(names = "--layers", paramLabel = "L",
            description = "LSA layers (default: ${DEFAULT-VALUE}); GPT-2 blocks (default: " + GPT2_LAYERS + ").")
    Integer layers;

    @Option(names = "--tied", description = "LSA only: weight-tied (recurrent) layers (default: ${DEFAULT-VALUE}).")
    Boolean tied;

    @Option(names = "--init-scale", paramLabel = "STD",
            description = "LSA only: init std of every weight (default: ${DEFAULT-VALUE}).")
    Double initScale;

    @Option(names = "--heads", paramLabel = "H", description = "GPT-2 only: attention heads (default: " + GPT2_HEADS
            + ").")
    Integer heads;

    @Option(names = "--width", paramLabel = "E", description = "GPT-2 only: model width, a multiple of --heads "
            + "(default: " + GPT2_WIDTH + ").")
    Integer width;

    @Option(names = "--positions", paramLabel = "P", description = "GPT-2 only: learned positions (default: the "
            + "layout's length for --n, 2N+1 interleaved).")
    Integer positions;

    @Option(names = "--layout", paramLabel = "NAME", description = "GPT-2 only: prompt layout, interleaved (Garg: "
            + "x_1, y_1, ..., x_q; predicts after every prefix), interleaved-akyurek or concatenated (query only) "
            + "(default: " + GPT2_LAYOUT + ").")
    String layout;

    ExperimentConfig apply(ExperimentConfig c, Predicate<String> given) {
        ModelConfig m = c.model();
        String a = given.test("--arch") ? arch : m.architecture();
        if (ModelConfig.GPT2.equals(a)) {
            reject(given, "gpt2", "--tied", "--init-scale");
            boolean was = m.isGpt2();
            m = ModelConfig.gpt2(given.test("--layers") ? layers : was ? m.layers() : GPT2_LAYERS,
                    given.test("--heads") ? heads : was ? m.heads() : GPT2_HEADS,
                    given.test("--width") ? width : was ? m.width() : GPT2_WIDTH,
                    given.test("--positions") ? positions : was ? m.positions() : null,
                    given.test("--layout") ? layout : was ? m.layout() : GPT2_LAYOUT);
        } else if (ModelConfig.LSA.equals(a)) {
            reject(given, "lsa", "--heads", "--width", "--positions", "--layout");
            boolean was = !m.isGpt2();
            ModelConfig lsa = ModelConfig.defaults();
            m = new ModelConfig(given.test("--layers") ? layers : was ? m.layers() : lsa.layers(),
                    given.test("--tied") ? tied : was ? m.weightTied() : lsa.weightTied(),
                    given.test("--init-scale") ? initScale : was ? m.initScale() : lsa.initScale());
        } else {
            throw new IllegalArgumentException("--arch must be one of " + ModelConfig.ARCHITECTURES + ", got '" + a
                    + "'");
        }
        return new ExperimentConfig(c.task(), m, c.train(), c.eval());
    }

    private static void reject(Predicate<String> given, String arch, String... options) {
        for (String o : options) {
            if (given.test(o)) {
                throw new IllegalArgumentException(o + " does not apply to --arch " + arch);
            }
        }
    }
}
