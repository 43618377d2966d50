package org.descent.experiment;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.nio.file.Path;
import org.descent.model.ModelConfig;
import org.descent.task.TaskConfig;
import org.descent.train.TrainConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gaussian-mixture family trains unchanged through descent's training runs: an LSA learns to predict the ±1
 * labels (squared loss, below the zero predictor's E[y²] = 1), and a GPT-2 with the interleaved layout trains on it.
 */
class GaussianMixtureTrainingTest {
    private static final TaskConfig TASK = new TaskConfig(2, 10, TaskConfig.GAUSSIAN, 1.0, 0, null, null,
            TaskConfig.FAMILY_GAUSSIAN_MIXTURE, null, null, null, null, 3.0);

    private static TrainConfig train(int steps, int batch, double lr) {
        return new TrainConfig(steps, batch, lr, 0.9, 0.999, 1e-8, 10.0, TrainConfig.CONSTANT, 0, 0.0, 0L, 0);
    }

    private static double tail(float[] losses) {
        double s = 0;
        for (int i = losses.length - 10; i < losses.length; i++) {
            s += losses[i] / 10;
        }
        return s;
    }

    @Test
    void lsaAndGpt2TrainOnTheFamily(@TempDir Path dir) {
        Workspace ws = new Workspace(dir.resolve("models"), dir.resolve("reports"), Device.cpu());
        ExperimentConfig lsa = new ExperimentConfig(TASK, new ModelConfig(1, false, 0.1), train(200, 256, 1e-2),
                EvalConfig.defaults());
        OneStepGdExperiment.Trained t = OneStepGdExperiment.train(lsa, ws, null, (s, l, lr) -> { });
        double lsaTail = tail(t.state().losses());
        System.out.println("LSA tail MSE " + lsaTail);
        assertTrue(lsaTail < 0.8, "the LSA predicts the labels better than zero: MSE " + lsaTail);
        ExperimentConfig gpt2 = new ExperimentConfig(TASK, ModelConfig.gpt2(1, 2, 16, null, "interleaved"),
                train(30, 32, 3e-3), EvalConfig.defaults());
        TrainingRun.Gpt2Trained g = TrainingRun.trainGpt2(gpt2, ws, org.descent.util.RunDirectory.newRunId("train"),
                null, null, (s, l, lr) -> { }, org.descent.train.StopSignal.never(), line -> { });
        for (float l : g.state().losses()) {
            assertTrue(Float.isFinite(l) && l > 0, "GPT-2 loss " + l);
        }
    }
}
