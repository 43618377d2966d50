package org.descent.probe;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.descent.task.PromptSet;
import org.descent.task.layout.PromptLayout;

/**
 * The residual stream of a model at its prediction positions, layer by layer, from whichever capability the model
 * has: {@link ModelUnderTest#hiddenStates()} ({@code [L+1, B, T, D_h]}) or, failing that, the canonical hooks of
 * {@link ModelUnderTest#activations()} ({@code blocks.0.hook_resid_pre} for the input, then
 * {@code blocks.{l}.hook_resid_post} for l = 0..L−1). Token positions come from the model's {@link PromptLayout}.
 *
 * <p>Dimension glossary: {@code L} layers (state 0 is the input to the first), {@code K} prefix lengths,
 * {@code B} prompts, {@code D_h} residual width, {@code T} tokens of the layout.
 */
public final class ResidualStream {
    private ResidualStream() {}

    /** Why the residual stream of {@code model} cannot be read, or empty when it can. */
    public static Optional<String> unavailable(ModelUnderTest model) {
        if (model.hiddenStates().isPresent()) {
            return Optional.empty();
        }
        if (model.activations().isPresent() && model.activations().get().hookNames()
                .contains(ActivationSource.residPre(0))) {
            return Optional.empty();
        }
        return Optional.of("the model exposes neither hidden states nor the residual-stream hooks "
                + ActivationSource.residPre(0) + " / blocks.{l}.hook_resid_post (TorchScript: export "
                + "forward_with_hidden)");
    }

    /**
     * The residual stream after every layer at the prediction after each of {@code ks} pairs:
     * {@code [L+1][K][B][D_h]}. One pass for layouts that predict every prefix; one pass per k on the k-shot
     * prompts ({@link PromptSet#prefix}) otherwise, read at the query.
     */
    public static double[][][][] atPredictions(ModelUnderTest model, PromptSet base, int[] ks) {
        PromptLayout layout = model.layout();
        int n = base.n();
        double[][][][] out = null;
        HiddenStates once = layout.predictsEveryPrefix() ? states(model, base) : null;
        for (int j = 0; j < ks.length; j++) {
            int k = ks[j];
            HiddenStates hs;
            int token;
            if (once != null) {
                hs = once;
                token = layout.predictionPosition(n, k);
            } else {
                hs = states(model, PrefixEvaluation.kShot(base, layout, k));
                token = layout.predictionPosition(k, k);
            }
            if (out == null) {
                out = new double[hs.layers()][ks.length][base.size()][];
            }
            if (hs.layers() != out.length) {
                throw new IllegalStateException("the model gave " + hs.layers() + " states at k = " + k + " but "
                        + out.length + " before");
            }
            for (int l = 0; l < hs.layers(); l++) {
                for (int b = 0; b < base.size(); b++) {
                    out[l][j][b] = hs.token(l, b, token);
                }
            }
        }
        return out;
    }

    /** The hidden states of {@code prompts}, from hidden states or from residual hooks. */
    public static HiddenStates states(ModelUnderTest model, PromptSet prompts) {
        if (model.hiddenStates().isPresent()) {
            return model.hiddenStates().get().hiddenStates(prompts);
        }
        ActivationSource a = model.activations().orElseThrow(() -> new IllegalStateException(
                unavailable(model).orElse("no residual stream")));
        List<String> hooks = new ArrayList<>();
        hooks.add(ActivationSource.residPre(0));
        for (int l = 0; a.hookNames().contains(ActivationSource.residPost(l)); l++) {
            hooks.add(ActivationSource.residPost(l));
        }
        Map<String, ActivationSource.Activation> acts = a.activations(prompts, hooks);
        long[] shape = acts.get(hooks.get(0)).shape(); // [B, T, D_h]
        int b = (int) shape[0];
        int t = (int) shape[1];
        int w = (int) shape[2];
        double[] values = new double[hooks.size() * b * t * w];
        for (int l = 0; l < hooks.size(); l++) {
            double[] v = acts.get(hooks.get(l)).values();
            System.arraycopy(v, 0, values, l * b * t * w, v.length);
        }
        return new HiddenStates(hooks.size(), b, t, w, values);
    }
}
