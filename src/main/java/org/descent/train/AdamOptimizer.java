package org.descent.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import java.util.List;

/**
 * Adam (Kingma and Ba 2015, PyTorch's formulation) whose moment estimates are plain arrays this class owns, so a
 * checkpoint can save them and a resumed run continues exactly. DJL's own {@code Adam} keeps its state private,
 * which rules out exact resumption.
 *
 * <p>Per parameter {@code w} with gradient {@code g} at step t (1-based): {@code m ← β₁m + (1−β₁)g},
 * {@code v ← β₂v + (1−β₂)g²}, {@code w ← w − lr · (m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε)}.
 */
public final class AdamOptimizer {
    private final double beta1;
    private final double beta2;
    private final double epsilon;
    private final List<NDArray> means;
    private final List<NDArray> variances;
    private long step;

    /**
     * @param means first-moment arrays, one per parameter, owned by the model's manager
     * @param variances second-moment arrays, one per parameter
     * @param step number of updates already applied
     */
    public AdamOptimizer(double beta1, double beta2, double epsilon, List<NDArray> means, List<NDArray> variances,
            long step) {
        if (means.size() != variances.size()) {
            throw new IllegalArgumentException("Adam: " + means.size() + " means but " + variances.size()
                    + " variances");
        }
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
        this.means = List.copyOf(means);
        this.variances = List.copyOf(variances);
        this.step = step;
    }

    /** A fresh optimizer with zero moments shaped like {@code params}. */
    public static AdamOptimizer fresh(TrainConfig config, List<NDArray> params) {
        return new AdamOptimizer(config.beta1(), config.beta2(), config.epsilon(),
                params.stream().map(NDArray::zerosLike).toList(),
                params.stream().map(NDArray::zerosLike).toList(), 0);
    }

    public long step() {
        return step;
    }

    /** The moment arrays, means then variances, in parameter order (for checkpoints). */
    public NDList state() {
        NDList out = new NDList();
        out.addAll(means);
        out.addAll(variances);
        return out;
    }

    /**
     * Applies one update in place, each parameter in one fused engine call (no intermediate arrays, no per-op
     * round trip from Java): PyTorch's update rewritten as
     * {@code w ← w − lr·√(1−β₂ᵗ)/(1−β₁ᵗ) · m / (√v + ε·√(1−β₂ᵗ))}, which is the formula above with the bias
     * corrections moved out of the square root (equal up to float rounding).
     *
     * @param params parameters, updated in place
     * @param grads gradients, same order (left unchanged)
     * @param lr learning rate for this step
     * @param gradScale factor applied to every gradient first (gradient clipping; 1 for none)
     */
    public void update(List<NDArray> params, List<NDArray> grads, double lr, double gradScale) {
        step++;
        // StrictMath: Math.pow may differ by an ulp between interpreted and JIT-compiled code, which would make a
        // run's numbers depend on when the JIT kicked in (seen as late divergence of identical-seed runs)
        double bc1 = 1 - StrictMath.pow(beta1, step);
        double sqrtBc2 = StrictMath.sqrt(1 - StrictMath.pow(beta2, step));
        float stepSize = (float) (lr * sqrtBc2 / bc1);
        float eps = (float) (epsilon * sqrtBc2);
        for (int i = 0; i < params.size(); i++) {
            NDArray w = params.get(i);
            w.getNDArrayInternal().adamUpdate(new NDList(w, grads.get(i), means.get(i), variances.get(i)),
                    new NDList(w), (float) lr, stepSize, 0f, (float) gradScale,
                    -1f, (float) beta1, (float) beta2, eps, false, false);
        }
    }
}
