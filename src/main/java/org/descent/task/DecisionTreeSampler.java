package org.descent.task;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Decision trees (Garg et al. 2022): per prompt a full binary tree of depth h = {@code task.treeDepth()} (4 in the
 * paper). Internal node m (heap order: root 0, children 2m+1 left and 2m+2 right) tests coordinate
 * {@code c_m ~ Uniform{0..d-1}} and goes right when {@code x[c_m] > 0}, left otherwise; leaf ℓ holds
 * {@code v_ℓ ~ N(0, 1)}. Labels {@code y = f(x) + σ ε}.
 *
 * <p>Dimension glossary: {@code B} prompts, {@code T = N + 1} examples, {@code d} input dimension,
 * {@code 2^h − 1} internal nodes, {@code 2^h} leaves.
 */
public final class DecisionTreeSampler extends RegressionSampler {

    public DecisionTreeSampler(TaskConfig task) {
        super(requireFamily(task, TaskConfig.FAMILY_DECISION_TREE, "DecisionTreeSampler"));
    }

    @Override
    protected NDArray sampleResponses(NDManager manager, NDArray x) {
        int b = (int) x.getShape().get(0);
        int t = (int) x.getShape().get(1);
        int d = task.d();
        int depth = task.treeDepth();
        int internal = (1 << depth) - 1;
        float[] coordU = manager.randomUniform(0f, 1f, new Shape(b, internal), DataType.FLOAT32).toFloatArray();
        float[] leaves = manager.randomNormal(0f, 1f, new Shape(b, internal + 1), DataType.FLOAT32).toFloatArray();
        if (TaskTruth.recording()) { // ground truth, kept only while TaskTruth.record runs
            TaskTruth.offer("tree_features", features(coordU, d), b, internal);
            TaskTruth.offer("tree_leaves", leaves, b, internal + 1);
        }
        float[] xs = x.toFloatArray(); // [B, T, d]
        float[] y = new float[b * t]; // [B, T]
        for (int p = 0; p < b; p++) {
            for (int i = 0; i < t; i++) {
                int node = 0;
                for (int level = 0; level < depth; level++) {
                    int coord = feature(coordU[p * internal + node], d);
                    boolean right = xs[(p * t + i) * d + coord] > 0;
                    node = 2 * node + (right ? 2 : 1);
                }
                y[p * t + i] = leaves[p * (internal + 1) + node - internal];
            }
        }
        return manager.create(y, new Shape(b, t));
    }

    /** The coordinate an internal node tests, from its uniform draw {@code u ∈ [0, 1)}. */
    private static int feature(float u, int d) {
        return Math.min(d - 1, (int) (u * d));
    }

    private static int[] features(float[] coordU, int d) {
        int[] out = new int[coordU.length];
        for (int k = 0; k < out.length; k++) {
            out[k] = feature(coordU[k], d);
        }
        return out;
    }
}
