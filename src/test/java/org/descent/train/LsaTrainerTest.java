package org.descent.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.descent.model.LsaInitialization;
import org.descent.model.LsaLayerWeights;
import org.descent.model.LsaWeights;
import org.descent.model.ModelConfig;
import org.descent.task.TaskConfig;
import org.descent.task.TaskSampler;
import org.descent.task.TaskSamplers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Training loop: memory stays flat, runs are reproducible, resumption is exact, divergence is caught. */
class LsaTrainerTest {
    static final TaskConfig TASK = new TaskConfig(4, 6, "uniform", 1.0, 0.0);
    static final TaskSampler SAMPLER = TaskSamplers.forTask(TASK);

    static TrainConfig config(int steps, double lr) {
        return new TrainConfig(steps, 128, lr, 0.9, 0.999, 1e-8, 10.0, TrainConfig.COSINE, 2, 0.1, 5L, 0);
    }

    static LsaWeights init(int layers) {
        return LsaInitialization.gaussian(TASK.d(), new ModelConfig(layers, false, 0.1), 17);
    }

    static final LsaTrainer.CheckpointSink NO_SINK = (state, status) -> "nowhere";

    static float[][] flatWeights(LsaWeights w) {
        List<float[]> out = new ArrayList<>();
        for (LsaLayerWeights l : w.layers()) {
            for (double[] m : l.matrices()) {
                float[] f = new float[m.length];
                for (int i = 0; i < m.length; i++) {
                    f[i] = (float) m[i];
                }
                out.add(f);
            }
        }
        return out.toArray(new float[0][]);
    }

    @Test
    void memoryStaysFlatOverSteps() {
        int[] after = new int[2];
        for (int ahead = 0; ahead < 2; ahead++) {
            try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
                LsaTrainer trainer = LsaTrainer.start(manager, init(2), SAMPLER, config(60, 1e-3))
                        .sampleAhead(ahead == 1);
                List<Integer> counts = new ArrayList<>();
                trainer.run((step, loss, lr) -> {
                    if (step % 10 == 0) {
                        counts.add(manager.getManagedArrays().size());
                    }
                }, NO_SINK);
                if (ahead == 0) { // drawn ahead, a batch may or may not be in flight when the listener looks
                    assertTrue(counts.stream().distinct().count() == 1,
                            "arrays owned by the model manager grew: " + counts);
                }
                after[ahead] = manager.getManagedArrays().size();
            }
        }
        assertEquals(after[0], after[1], "sampling ahead leaves no batch behind after the run");
    }

    @Test
    void lossDecreasesAndRunsAreReproducible() {
        float[] first;
        float[][] w1;
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            LsaTrainer trainer = LsaTrainer.start(manager, init(1), SAMPLER, config(150, 3e-3));
            trainer.run((s, l, lr) -> { }, NO_SINK);
            first = trainer.losses();
            w1 = flatWeights(trainer.block().weights());
        }
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            LsaTrainer trainer = LsaTrainer.start(manager, init(1), SAMPLER, config(150, 3e-3));
            trainer.run((s, l, lr) -> { }, NO_SINK);
            assertArrayEquals(first, trainer.losses(), "same seed, same losses");
            float[][] w2 = flatWeights(trainer.block().weights());
            for (int i = 0; i < w1.length; i++) {
                assertArrayEquals(w1[i], w2[i], "same seed, same weights");
            }
        }
        double head = mean(first, 0, 10);
        double tail = mean(first, 140, 150);
        assertTrue(tail < 0.8 * head, "loss should fall: first 10 steps " + head + ", last 10 " + tail);
    }

    /** Drawing batches ahead on a second thread changes nothing: same batches in the same order, same run. */
    @Test
    void samplingAheadGivesTheSameRunAsSamplingOnTheTrainingThread() {
        float[][] runs = new float[2][];
        float[][][] weights = new float[2][][];
        for (int i = 0; i < 2; i++) {
            try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
                LsaTrainer trainer = LsaTrainer.start(manager, init(2), SAMPLER, config(80, 3e-3)).sampleAhead(i == 0);
                trainer.run((s, l, lr) -> { }, NO_SINK);
                runs[i] = trainer.losses();
                weights[i] = flatWeights(trainer.block().weights());
            }
        }
        assertArrayEquals(runs[0], runs[1], "losses with and without sampling ahead");
        for (int k = 0; k < weights[0].length; k++) {
            assertArrayEquals(weights[0][k], weights[1][k], "weights with and without sampling ahead");
        }
    }

    private static double mean(float[] a, int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) {
            s += a[i];
        }
        return s / (to - from);
    }

    @Test
    void resumedRunEqualsUninterruptedRunBitForBit(@TempDir Path dir) {
        TrainConfig full = config(40, 2e-3);
        float[][] straight;
        float[] straightLosses;
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            LsaTrainer t = LsaTrainer.start(manager, init(2), SAMPLER, full);
            t.run((s, l, lr) -> { }, NO_SINK);
            straight = flatWeights(t.block().weights());
            straightLosses = t.losses();
        }
        Path ckpt;
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            TrainConfig half = new TrainConfig(40, 128, 2e-3, 0.9, 0.999, 1e-8, 10.0, TrainConfig.COSINE, 2, 0.1, 5L,
                    20);
            LsaTrainer t = LsaTrainer.start(manager, init(2), SAMPLER, half);
            Path[] saved = new Path[1];
            try {
                t.run((s, l, lr) -> {
                    if (s == 21) {
                        throw new IllegalStateException("simulated kill after the step-20 checkpoint");
                    }
                }, (state, status) -> {
                    saved[0] = Checkpoints.save(dir, "test", state, status, TASK, new ModelConfig(2, false, 0.1), half,
                            Map.of(), Map.of(), manager);
                    return saved[0].toString();
                });
            } catch (IllegalStateException expected) {
                // the run was "killed"; the intermediate checkpoint survives
            }
            ckpt = saved[0];
        }
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            Checkpoints.Loaded loaded = Checkpoints.load(ckpt, manager);
            assertEquals(20, loaded.state().step());
            assertEquals("intermediate", loaded.manifest().status());
            LsaTrainer t = LsaTrainer.resume(manager, loaded.state(), SAMPLER, full);
            t.run((s, l, lr) -> { }, NO_SINK);
            float[][] resumed = flatWeights(t.block().weights());
            assertArrayEquals(straightLosses, t.losses(), "loss history");
            for (int i = 0; i < straight.length; i++) {
                assertArrayEquals(straight[i], resumed[i], "parameter " + i + " after resume");
            }
        }
    }

    @Test
    void divergenceStopsNamesTheStepAndSavesTheLastGoodState() {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            // init scale 3 and lr 10 without clipping overflow float32 within a few steps
            LsaWeights big = LsaInitialization.gaussian(TASK.d(), new ModelConfig(3, false, 3.0), 1);
            TrainConfig wild = new TrainConfig(200, 64, 10.0, 0.9, 0.999, 1e-8, 0.0, TrainConfig.CONSTANT, 0, 0, 1L, 0);
            LsaTrainer t = LsaTrainer.start(manager, big, SAMPLER, wild);
            List<TrainingState> saved = new ArrayList<>();
            List<String> statuses = new ArrayList<>();
            TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> t.run((s, l, lr) -> { },
                    (state, status) -> {
                        saved.add(state);
                        statuses.add(status);
                        return "memory";
                    }));
            assertEquals(List.of("diverged"), statuses);
            assertTrue(e.getMessage().contains("step " + e.step()), e.getMessage());
            TrainingState good = saved.get(0);
            assertEquals(Math.max(0, e.step() - 1), good.step(), "the last good state is the one before the bad step");
            for (float v : good.losses()) {
                assertTrue(Float.isFinite(v), "saved losses are finite");
            }
            for (LsaLayerWeights l : good.weights().layers()) {
                for (double[] m : l.matrices()) {
                    for (double v : m) {
                        assertTrue(Double.isFinite(v), "saved weights are finite");
                    }
                }
            }
        }
    }

    @Test
    void resumeBeyondRequestedStepsIsRefused() {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            LsaTrainer t = LsaTrainer.start(manager, init(1), SAMPLER, config(10, 1e-3));
            t.run((s, l, lr) -> { }, NO_SINK);
            TrainingState state = t.snapshot();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> LsaTrainer.resume(manager, state, SAMPLER, config(5, 1e-3)));
            assertTrue(e.getMessage().contains("step 10"), e.getMessage());
        }
    }
}
