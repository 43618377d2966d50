package org.descent.experiment.reproduce;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.descent.experiment.EvalConfig;
import org.descent.experiment.ExperimentConfig;
import org.descent.experiment.OneStepGdExperiment;
import org.descent.experiment.Workspace;
import org.descent.model.LsaLayerWeights;
import org.descent.model.ModelConfig;
import org.descent.task.TaskConfig;
import org.descent.train.TrainConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link PresetRun#trainAll} with several trainings at the same time gives the models a one-after-another run gives,
 * bit for bit: each training draws its batches from the engine's one generator on a thread of its own
 * ({@code EngineRandom}), and records its gradients on its own thread ({@code GradientRecording}).
 */
class ConcurrentTrainingTest {
    static ExperimentConfig config(int layers, int steps, double noise) {
        return config(layers, steps, noise, 2e-3);
    }

    static ExperimentConfig config(int layers, int steps, double noise, double lr) {
        TrainConfig b = TrainConfig.defaults();
        return new ExperimentConfig(new TaskConfig(4, 8, TaskConfig.GAUSSIAN, 1.0, noise),
                new ModelConfig(layers, false, 0.1), new TrainConfig(steps, 256, lr, b.beta1(), b.beta2(),
                        b.epsilon(), b.clipNorm(), TrainConfig.COSINE, 0, 0.0, 0L, 0), EvalConfig.defaults());
    }

    static List<PresetRun.Job> jobs() {
        return List.of(new PresetRun.Job("1-layer", config(1, 150, 0.1), 3),
                new PresetRun.Job("3-layer", config(3, 120, 0.0), 4),
                new PresetRun.Job("2-layer", config(2, 150, 0.2), 5),
                new PresetRun.Job("1-layer again", config(1, 150, 0.1), 6));
    }

    static List<double[]> train(Path dir, int parallelism, StringWriter log) {
        Workspace ws = new Workspace(dir.resolve("models"), dir.resolve("reports"), Device.cpu());
        List<double[]> weights = new ArrayList<>();
        try (PresetRun run = new PresetRun(ws, List.of(0L), new PrintWriter(log, true), steps -> (s, l, lr) -> { })
                .withParallelism(parallelism)) {
            for (OneStepGdExperiment.Trained t : run.trainAll(jobs())) {
                List<Double> flat = new ArrayList<>();
                for (LsaLayerWeights l : t.state().weights().layers()) {
                    for (double[] m : l.matrices()) {
                        for (double v : m) {
                            flat.add(v);
                        }
                    }
                }
                weights.add(flat.stream().mapToDouble(Double::doubleValue).toArray());
            }
        }
        return weights;
    }

    @Test
    void concurrentTrainingsGiveTheModelsOfSequentialOnes(@TempDir Path dir) {
        StringWriter sequentialLog = new StringWriter();
        StringWriter concurrentLog = new StringWriter();
        List<double[]> sequential = train(dir.resolve("one"), 1, sequentialLog);
        List<double[]> concurrent = train(dir.resolve("three"), 3, concurrentLog);
        assertEquals(4, concurrent.size());
        for (int i = 0; i < sequential.size(); i++) {
            assertArrayEquals(sequential.get(i), concurrent.get(i), 0.0, "job " + i + " ("
                    + jobs().get(i).label() + "): concurrent vs sequential weights");
        }
        assertTrue(concurrentLog.toString().contains("training 4 models, 3 at a time"), concurrentLog.toString());
        // the two "1-layer" jobs differ only in their seed: the models must differ (the seeds reached the samplers)
        assertTrue(sequential.get(0)[0] != sequential.get(3)[0], "different seeds gave the same model");
    }

    /** A training that fails throws from its own {@code get}; the others are still delivered, checkpoints and all. */
    @Test
    void aFailedTrainingDoesNotLoseTheOthers(@TempDir Path dir) {
        Workspace ws = new Workspace(dir.resolve("models"), dir.resolve("reports"), Device.cpu());
        StringWriter log = new StringWriter();
        try (PresetRun run = new PresetRun(ws, List.of(0L), new PrintWriter(log, true), steps -> (s, l, lr) -> { })
                .withParallelism(2)) {
            List<OneStepGdExperiment.Trained> trained = run.trainAll(List.of(
                    new PresetRun.Job("diverges", config(2, 400, 0.0, 1e6), 1),
                    new PresetRun.Job("fine", config(1, 100, 0.0), 2)));
            assertThrows(org.descent.train.TrainingDivergedException.class, () -> trained.get(0));
            OneStepGdExperiment.Trained fine = trained.get(1);
            assertTrue(java.nio.file.Files.isDirectory(fine.checkpoint()), "the finished model's checkpoint is kept");
            assertEquals(1, run.checkpoints().size(), run.checkpoints().toString());
        }
    }
}
