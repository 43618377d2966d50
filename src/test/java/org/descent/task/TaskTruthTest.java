package org.descent.task;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.util.List;
import org.descent.util.Npz;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The ground truth recorded while sampling is the task function each prompt was labelled with: applied to the query it
 * gives the target, for every family; and recording changes no prompt.
 */
class TaskTruthTest {
    /** float32 labels against a float64 re-computation from the float32 parameters: relative rounding bound. */
    private static final double FLOAT32_LABEL_TOLERANCE = 1e-5;
    private static NDManager manager;

    @BeforeAll
    static void setUp() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void tearDown() {
        manager.close();
    }

    private static TaskTruth.Recorded<PromptSet> draw(TaskConfig task, int count, long seed) {
        TaskSampler sampler = TaskSamplers.forTask(task);
        TaskTruth.Recorded<PromptSet> r = TaskTruth.record(() -> sampler.samplePromptSet(manager, count, seed));
        PromptSet plain = sampler.samplePromptSet(manager, count, seed);
        assertArrayEquals(plain.flatTokens(), r.value().flatTokens(), 0.0, "recording changes no prompt");
        assertArrayEquals(plain.targets(), r.value().targets(), 0.0);
        assertEquals(TaskTruth.names(task), List.copyOf(r.parameters().keySet()), "the documented names");
        for (Npz.Array a : r.parameters().values()) {
            assertEquals(count, a.shape()[0], "one row per prompt");
        }
        return r;
    }

    private static void assertLabel(double expected, double actual, String what) {
        assertEquals(expected, actual, FLOAT32_LABEL_TOLERANCE * Math.max(1, Math.abs(expected)), what);
    }

    /** Linear tasks, 9,000 prompts (two sampling chunks): w·x_q is the target of every prompt, in order. */
    @Test
    void linearTaskVectorsGiveTheTargets() {
        TaskConfig task = new TaskConfig(3, 5, "gaussian", 1.0, 0.0);
        TaskTruth.Recorded<PromptSet> r = draw(task, 9000, 11);
        Npz.Array w = r.parameters().get("w");
        assertArrayEquals(new long[] {9000, 3}, w.shape());
        double[] wv = w.asDoubles();
        PromptSet p = r.value();
        for (int b = 0; b < p.size(); b++) {
            double y = 0;
            for (int k = 0; k < 3; k++) {
                y += wv[b * 3 + k] * p.xq(b, k);
            }
            assertLabel(p.target(b), y, "prompt " + b);
        }
    }

    @Test
    void sparseTaskVectorsHaveTheirSupport() {
        TaskConfig task = TaskConfig.defaults().withD(6).withN(4).withFamily(TaskConfig.FAMILY_SPARSE_LINEAR, 2);
        TaskTruth.Recorded<PromptSet> r = draw(task, 200, 3);
        double[] w = r.parameters().get("w").asDoubles();
        for (int b = 0; b < 200; b++) {
            int nonZero = 0;
            double y = 0;
            for (int k = 0; k < 6; k++) {
                nonZero += w[b * 6 + k] != 0 ? 1 : 0;
                y += w[b * 6 + k] * r.value().xq(b, k);
            }
            assertEquals(2, nonZero, "k = 2 non-zeros");
            assertLabel(r.value().target(b), y, "prompt " + b);
        }
    }

    @Test
    void reluNetworksGiveTheTargets() {
        int d = 3;
        int width = 5;
        TaskConfig task = TaskConfig.defaults().withD(d).withN(4).withFamily(TaskConfig.FAMILY_RELU_NETWORK, width);
        TaskTruth.Recorded<PromptSet> r = draw(task, 100, 4);
        double[] u = r.parameters().get("u").asDoubles();
        double[] alpha = r.parameters().get("alpha").asDoubles();
        assertArrayEquals(new long[] {100, d, width}, r.parameters().get("u").shape());
        assertArrayEquals(new long[] {100, width}, r.parameters().get("alpha").shape());
        for (int b = 0; b < 100; b++) {
            double f = 0;
            for (int j = 0; j < width; j++) {
                double h = 0;
                for (int k = 0; k < d; k++) {
                    h += u[(b * d + k) * width + j] * r.value().xq(b, k);
                }
                f += alpha[b * width + j] * Math.max(0, h);
            }
            assertLabel(r.value().target(b), Math.sqrt(2.0 / width) * f, "prompt " + b);
        }
    }

    @Test
    void decisionTreesGiveTheTargetsExactly() {
        int depth = 3;
        TaskConfig task = TaskConfig.defaults().withD(4).withN(5).withFamily(TaskConfig.FAMILY_DECISION_TREE, depth);
        TaskTruth.Recorded<PromptSet> r = draw(task, 100, 5);
        Npz.Array features = r.parameters().get("tree_features");
        assertEquals("int32", features.dtype());
        int[] c = features.ints();
        double[] leaves = r.parameters().get("tree_leaves").asDoubles();
        int internal = (1 << depth) - 1;
        for (int b = 0; b < 100; b++) {
            int node = 0;
            for (int level = 0; level < depth; level++) {
                int feature = c[b * internal + node];
                assertTrue(feature >= 0 && feature < 4);
                node = 2 * node + (r.value().xq(b, feature) > 0 ? 2 : 1);
            }
            assertEquals(r.value().target(b), leaves[b * (internal + 1) + node - internal], 0.0, "prompt " + b);
        }
    }

    @Test
    void recordingDoesNotNest() {
        TaskSampler s = TaskSamplers.forTask(TaskConfig.defaults());
        assertThrows(IllegalStateException.class, () -> TaskTruth.record(() ->
                TaskTruth.record(() -> s.samplePromptSet(manager, 2, 1))));
        assertTrue(TaskTruth.record(() -> 1).parameters().isEmpty(), "nothing drawn, nothing recorded");
    }
}
