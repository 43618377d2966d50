package org.descent.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import org.descent.model.gpt2.Gpt2Config;
import org.descent.task.TaskConfig;
import org.descent.task.layout.PromptLayout;

/**
 * Architecture and initialisation of the model to train: an LSA transformer (the default, {@code arch} absent or
 * {@code "lsa"}) or a GPT-2-style regressor ({@code "gpt2"}, Garg et al. 2022).
 *
 * <p>In JSON an LSA config keeps its three keys ({@code {"layers": 1, "weightTied": false, "initScale": 0.1}}); a GPT-2
 * config adds {@code "arch": "gpt2"} and its {@code heads}, {@code width}, {@code positions} and {@code layout}.
 *
 * @param layers number of layer applications (LSA) or blocks (GPT-2) L, at least 1
 * @param weightTied LSA: whether one layer's weights are reused L times (a recurrent LSA); false for GPT-2
 * @param initScale LSA: standard deviation of the Gaussian initialisation of every weight entry, positive (GPT-2 uses
 *     Hugging Face GPT-2's initialisation; the value is ignored and kept at its default)
 * @param arch {@code null} or {@code "lsa"} for the LSA, {@code "gpt2"}
 * @param heads GPT-2 attention heads H (null for the LSA)
 * @param width GPT-2 model width E, a multiple of H (null for the LSA)
 * @param positions GPT-2 learned positions P, or null for {@code layout.length(N)} of the task
 * @param layout GPT-2 prompt layout ({@link PromptLayout#names()}; null for the LSA)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ModelConfig(int layers, boolean weightTied, double initScale, String arch, Integer heads, Integer width,
        Integer positions, String layout) {
    public static final String LSA = "lsa";
    public static final String GPT2 = "gpt2";
    public static final List<String> ARCHITECTURES = List.of(LSA, GPT2);

    public ModelConfig {
        if (layers <= 0) {
            throw new IllegalArgumentException("model: layers must be a positive integer, got " + layers);
        }
        if (!(initScale > 0) || Double.isInfinite(initScale)) {
            throw new IllegalArgumentException("model: initScale must be a positive finite number, got " + initScale);
        }
        if (LSA.equals(arch)) {
            arch = null; // the LSA's JSON stays as it always was
        }
        if (arch != null && !arch.equals(GPT2)) {
            throw new IllegalArgumentException("model: arch must be one of " + ARCHITECTURES + ", got \"" + arch + "\"");
        }
        if (arch == null) {
            if (heads != null || width != null || positions != null || layout != null) {
                throw new IllegalArgumentException("model: heads, width, positions and layout apply to arch \"gpt2\","
                        + " not to the LSA");
            }
        } else {
            if (weightTied) {
                throw new IllegalArgumentException("model: weightTied applies to the LSA, not to arch \"gpt2\"");
            }
            if (heads == null || width == null || layout == null) {
                throw new IllegalArgumentException("model: arch \"gpt2\" needs heads, width and layout");
            }
            if (heads < 1 || width < 1 || width % heads != 0) {
                throw new IllegalArgumentException("model: the width must be a positive multiple of the number of "
                        + "heads, got width " + width + " and " + heads + " heads");
            }
            if (positions != null && positions < 1) {
                throw new IllegalArgumentException("model: positions must be at least 1, got " + positions);
            }
            layout = PromptLayout.named(layout).name();
        }
    }

    /** An LSA config. */
    public ModelConfig(int layers, boolean weightTied, double initScale) {
        this(layers, weightTied, initScale, null, null, null, null, null);
    }

    /** A GPT-2 config (positions null: as many as the task's prompts need in {@code layout}). */
    public static ModelConfig gpt2(int layers, int heads, int width, Integer positions, String layout) {
        return new ModelConfig(layers, false, defaults().initScale(), GPT2, heads, width, positions, layout);
    }

    /** One layer, separate weights, init std 0.1 (the von Oswald et al. single-layer setting). */
    public static ModelConfig defaults() {
        return new ModelConfig(1, false, 0.1);
    }

    public ModelConfig withLayers(int l) {
        return new ModelConfig(l, weightTied, initScale, arch, heads, width, positions, layout);
    }

    /** {@code "lsa"} or {@code "gpt2"}. */
    @JsonIgnore
    public String architecture() {
        return arch == null ? LSA : arch;
    }

    @JsonIgnore
    public boolean isGpt2() {
        return GPT2.equals(arch);
    }

    /** The GPT-2 prompt layout. */
    @JsonIgnore
    public PromptLayout promptLayout() {
        requireGpt2();
        return PromptLayout.named(layout);
    }

    /** The GPT-2 architecture for prompts of {@code task}: input width and default positions from the layout. */
    public Gpt2Config gpt2Config(TaskConfig task) {
        requireGpt2();
        PromptLayout l = promptLayout();
        int p = positions != null ? positions : l.length(task.n());
        if (l.length(task.n()) > p) {
            throw new IllegalArgumentException("model: " + task.n() + " context pairs make " + l.length(task.n())
                    + " tokens in the " + l.name() + " layout, more than positions=" + p);
        }
        return new Gpt2Config(layers, heads, width, p, l.width(task.d()));
    }

    private void requireGpt2() {
        if (!isGpt2()) {
            throw new IllegalStateException("model: not a GPT-2 config");
        }
    }
}
