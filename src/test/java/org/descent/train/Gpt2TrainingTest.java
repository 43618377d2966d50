package org.descent.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.descent.experiment.ExperimentConfig;
import org.descent.experiment.Gpt2Evaluation;
import org.descent.experiment.TrainingRun;
import org.descent.model.ModelConfig;
import org.descent.model.gpt2.Gpt2Config;
import org.descent.model.gpt2.Gpt2Regressor;
import org.descent.model.gpt2.Gpt2Weights;
import org.descent.task.PromptBatch;
import org.descent.task.PromptSet;
import org.descent.task.TaskConfig;
import org.descent.task.TaskSamplers;
import org.descent.task.layout.PromptLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GPT-2 training: Garg's loss against a hand computation, its gradient against finite differences, the loss falling,
 * exact resume through a checkpoint folder, the curriculum's schedule and batches, cross-process determinism, and a
 * briefly trained model beating the zero predictor once it has seen d examples.
 */
class Gpt2TrainingTest {
    static final TaskConfig TASK = new TaskConfig(2, 5, "gaussian", 1.0, 0.0);
    static final PromptLayout INTERLEAVED = PromptLayout.named("interleaved");

    static TrainConfig config(int steps, double lr, int checkpointEvery, Curriculum curriculum) {
        return new TrainConfig(steps, 64, lr, 0.9, 0.999, 1e-8, 10.0, TrainConfig.COSINE, 10, 0.1, 3L,
                checkpointEvery, curriculum);
    }

    static ExperimentConfig experiment(int layers, int width, int steps, double lr, int every, Curriculum c) {
        return new ExperimentConfig(TASK, ModelConfig.gpt2(layers, 2, width, null, "interleaved"),
                config(steps, lr, every, c), null);
    }

    /** Loss = mean over prompts and the N+1 positions of (ŷ_k − y_{k+1})², from float64 predictions by hand. */
    @Test
    void lossIsGargsMseOverEveryPrefix() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            for (String layout : List.of("interleaved", "concatenated")) {
                PromptLayout l = PromptLayout.named(layout);
                Gpt2Config c = new Gpt2Config(1, 2, 8, l.length(TASK.n()), l.width(TASK.d()));
                Gpt2Weights w = Gpt2Weights.initialize(c, 5);
                PromptBatch batch = TaskSamplers.forTask(TASK).sample(m, 6, 9);
                PromptSet prompts = batch.toPromptSet();
                Gpt2Model model = Gpt2Model.of(m, w, l, DataType.FLOAT64);
                double loss = model.loss(new PromptBatch(batch.tokens().toType(DataType.FLOAT64, false),
                        batch.targets())).getDouble();
                Gpt2Regressor r = new Gpt2Regressor("g", w, l, m);
                double[] preds = l.predictsEveryPrefix() ? r.prefixPredictions(prompts) : r.predict(prompts);
                double[] labels = l.predictsEveryPrefix() ? prompts.prefixTargets() : prompts.targets();
                double sum = 0;
                for (int i = 0; i < preds.length; i++) {
                    sum += (preds[i] - labels[i]) * (preds[i] - labels[i]);
                }
                assertEquals(sum / preds.length, loss, 1e-9 * Math.max(1, loss), layout);
                assertEquals(l.predictsEveryPrefix() ? 6 * (TASK.n() + 1) : 6, preds.length, layout);
            }
        }
    }

    /** Autograd of the float64 loss matches central finite differences on entries of several parameters. */
    @Test
    void gradientMatchesFiniteDifferences() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            Gpt2Config c = new Gpt2Config(2, 2, 8, INTERLEAVED.length(TASK.n()), INTERLEAVED.width(TASK.d()));
            Gpt2Weights w = Gpt2Weights.initialize(c, 7);
            PromptBatch b32 = TaskSamplers.forTask(TASK).sample(m, 4, 11);
            PromptBatch batch = new PromptBatch(b32.tokens().toType(DataType.FLOAT64, false),
                    b32.targets().toType(DataType.FLOAT64, false));
            Gpt2Model model = Gpt2Model.of(m, w, INTERLEAVED, DataType.FLOAT64);
            try (GradientCollector gc = m.getEngine().newGradientCollector()) {
                gc.backward(model.loss(batch));
            }
            String[][] probes = {{"_read_in.weight", "3"}, {"_backbone.wpe.weight", "17"},
                {"_backbone.h.0.attn.c_attn.weight", "5"}, {"_backbone.h.1.mlp.c_fc.weight", "40"},
                {"_backbone.h.1.attn.c_proj.bias", "2"}, {"_read_out.weight", "1"}, {"_backbone.ln_f.weight", "0"}};
            double h = 1e-6;
            for (String[] probe : probes) {
                int i = Integer.parseInt(probe[1]);
                double analytic = model.arrays().get(probe[0]).getGradient().toType(DataType.FLOAT64, false)
                        .toDoubleArray()[i];
                double numeric = (lossWith(m, w, batch, probe[0], i, h) - lossWith(m, w, batch, probe[0], i, -h))
                        / (2 * h);
                assertEquals(numeric, analytic, 1e-6 + 1e-5 * Math.abs(numeric), probe[0] + "[" + i + "]");
            }
        }
    }

    private static double lossWith(NDManager m, Gpt2Weights w, PromptBatch batch, String name, int i, double delta) {
        try (NDManager scope = m.newSubManager()) {
            Map<String, NDArray> arrays = new LinkedHashMap<>(w.toArrays(scope, DataType.FLOAT64));
            NDArray a = arrays.get(name);
            double[] v = a.toDoubleArray();
            v[i] += delta;
            arrays.put(name, scope.create(v, a.getShape()));
            return Gpt2Model.of(w.config(), INTERLEAVED, arrays).loss(batch).getDouble();
        }
    }

    private static ModelTrainer<Gpt2TrainingState> trainer(NDManager m, ExperimentConfig cfg,
            Gpt2TrainingState start) {
        Gpt2Config arch = cfg.model().gpt2Config(cfg.task());
        Gpt2Model model = Gpt2Model.of(m, start == null ? Gpt2Weights.initialize(arch, 1) : start.weights(),
                cfg.model().promptLayout());
        return TrainingRun.gpt2Trainer(m, model, cfg, start);
    }

    @Test
    void trainingDecreasesTheLoss() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            ModelTrainer<Gpt2TrainingState> t = trainer(m, experiment(1, 16, 80, 3e-3, 0, null), null);
            t.run((step, loss, lr) -> { }, (s, status) -> "nowhere", StopSignal.never());
            float[] l = t.losses();
            double first = 0;
            double last = 0;
            for (int i = 0; i < 10; i++) {
                first += l[i] / 10;
                last += l[l.length - 1 - i] / 10;
            }
            assertTrue(last < 0.8 * first, "loss did not fall: first 10 steps " + first + ", last 10 " + last);
        }
    }

    /** The model's manager holds as many arrays after 60 steps as after 10: every step's arrays are freed. */
    @Test
    void memoryStaysFlatOverSteps() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            ModelTrainer<Gpt2TrainingState> t = trainer(m, experiment(2, 16, 60, 1e-3, 0, null), null)
                    .sampleAhead(false);
            List<Integer> counts = new ArrayList<>();
            t.run((step, loss, lr) -> {
                if (step % 10 == 0) {
                    counts.add(m.getManagedArrays().size());
                }
            }, (s, status) -> "nowhere", StopSignal.never());
            assertEquals(1, counts.stream().distinct().count(), "arrays owned by the model manager grew: " + counts);
        }
    }

    /** A run saved at step 20 and resumed from its folder ends bit for bit where the uninterrupted run ends. */
    @Test
    void resumeFromCheckpointFolderIsBitIdentical(@TempDir Path dir) throws IOException {
        Curriculum c = Curriculum.parse("dims=1:2:1:10,points=3:5:1:10");
        ExperimentConfig cfg = experiment(1, 16, 40, 3e-3, 20, c);
        Path[] saved = new Path[1];
        Gpt2TrainingState straight;
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            ModelTrainer<Gpt2TrainingState> t = trainer(m, cfg, null);
            t.run((step, loss, lr) -> { }, (s, status) -> {
                saved[0] = Gpt2Checkpoints.save(dir, "test", s, status, cfg, Map.of(), Map.of(), null, null,
                        Map.of());
                return saved[0].toString();
            }, StopSignal.never());
            straight = t.snapshot();
        }
        Gpt2Checkpoints.Loaded loaded = Gpt2Checkpoints.load(saved[0]);
        assertEquals(20, loaded.state().step());
        assertEquals(cfg, loaded.config());
        Gpt2TrainingState resumed;
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            ModelTrainer<Gpt2TrainingState> t = trainer(m, loaded.config(), loaded.state());
            t.run((step, loss, lr) -> { }, (s, status) -> "nowhere", StopSignal.never());
            resumed = t.snapshot();
        }
        assertArrayEquals(straight.losses(), resumed.losses());
        for (String name : straight.weights().values().keySet()) {
            assertArrayEquals(straight.weights().values().get(name), resumed.weights().values().get(name), name);
        }
        for (int i = 0; i < straight.adamMeans().length; i++) {
            assertArrayEquals(straight.adamMeans()[i], resumed.adamMeans()[i]);
            assertArrayEquals(straight.adamVariances()[i], resumed.adamVariances()[i]);
        }
        Path a = Gpt2Checkpoints.save(dir.resolve("a"), "x", straight, "final", cfg, Map.of(), Map.of(), null, null,
                Map.of());
        Path b = Gpt2Checkpoints.save(dir.resolve("b"), "x", resumed, "final", cfg, Map.of(), Map.of(), null, null,
                Map.of());
        for (String f : List.of(Gpt2Checkpoints.MODEL, Gpt2Checkpoints.STATE, Gpt2Checkpoints.CONFIG)) {
            assertArrayEquals(Files.readAllBytes(a.resolve(f)), Files.readAllBytes(b.resolve(f)), f);
        }
    }

    @Test
    void curriculumScheduleAndBatches() {
        Curriculum c = Curriculum.parse("dims=2:5:1:2000,points=6:11:1:2000");
        assertEquals(2, c.dims(0, 5));
        assertEquals(2, c.dims(1999, 5));
        assertEquals(3, c.dims(2000, 5));
        assertEquals(5, c.dims(6000, 5));
        assertEquals(5, c.dims(1_000_000, 5));
        assertEquals(6, c.points(0, 11));
        assertEquals(10, c.points(8000, 11));
        assertEquals(11, c.points(10_000, 11));
        assertEquals("dims=2:5:1:2000,points=6:11:1:2000", c.toString());
        Curriculum onlyPoints = Curriculum.parse("points=3:7:2:10");
        assertEquals(4, onlyPoints.dims(0, 4), "no dims schedule: every dimension");
        assertEquals(7, onlyPoints.points(25, 9));
        assertThrows(IllegalArgumentException.class, () -> Curriculum.parse("dims=5:2:1:10"));
        assertThrows(IllegalArgumentException.class, () -> Curriculum.parse("width=1:2:1:10"));
        assertThrows(IllegalArgumentException.class, () -> Curriculum.parse("dims=1:2:1"));
        TaskConfig task = new TaskConfig(4, 8, "gaussian", 1.0, 0.0);
        assertThrows(IllegalArgumentException.class, () -> Curriculum.parse("dims=1:5:1:10").check(task));
        BatchSource source = Curriculum.parse("dims=2:4:1:10,points=3:8:1:10").source(task, config(100, 1e-3, 0,
                null));
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            PromptSet p = source.draw(m, 12).toPromptSet(); // dims 3, points 4
            assertEquals(4, p.d());
            assertEquals(4, p.n());
            double[] t = p.flatTokens();
            for (int b = 0; b < p.size(); b++) {
                for (int i = 0; i <= p.n(); i++) {
                    assertEquals(0.0, t[(b * (p.n() + 1) + i) * 5 + 3], "inactive coordinate must be zero");
                }
            }
            assertArrayEquals(p.targets(), source.draw(m, 12).toPromptSet().targets(), "a pure function of the step");
        }
    }

    /**
     * A few hundred steps on d = 2 already beat the zero predictor clearly once k ≥ d examples are shown (600 steps
     * of batch 64 leave it at about 0.4 of the zero predictor's error; before about 400 steps it sits on the plateau
     * every GPT-2 starts with on this task).
     */
    @Test
    void shortTrainingBeatsZeroPredictorFromKEqualsD() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            ExperimentConfig cfg = experiment(2, 32, 600, 3e-3, 0, null);
            ModelTrainer<Gpt2TrainingState> t = trainer(m, cfg, null);
            t.run((step, loss, lr) -> { }, (s, status) -> "nowhere", StopSignal.never());
            Gpt2Evaluation e = Gpt2Evaluation.run(t.snapshot().weights(), INTERLEAVED, TASK, 7, 1000, m);
            for (int i = 0; i < e.k().length; i++) {
                if (e.k()[i] >= TASK.d()) {
                    assertTrue(e.model()[i] < 0.6 * e.zero()[i], "k=" + e.k()[i] + ": model " + e.model()[i]
                            + " vs zero " + e.zero()[i] + "\n" + e.table());
                }
            }
        }
    }

    /** Same config and seed in two processes: bit-identical model.safetensors. */
    @Test
    void twoProcessesTrainBitIdenticalGpt2(@TempDir Path dir) throws Exception {
        List<Process> children = new ArrayList<>();
        for (String name : List.of("a", "b")) {
            List<String> cmd = List.of(ProcessHandle.current().info().command().orElse("java"), "-cp",
                    System.getProperty("java.class.path"), "-Dai.djl.offline=true", "-Djava.awt.headless=true",
                    "-Xmx512m", "org.descent.cli.Main", "train", "--arch", "gpt2", "--layers", "2", "--width", "16",
                    "--d", "3", "--n", "5", "--batch", "32", "--steps", "40", "--lr", "3e-3", "--seed", "11",
                    "--models-dir", dir.resolve(name).toString(), "-q");
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            pb.environment().put("MKL_CBWR", "AUTO");
            children.add(pb.start());
        }
        for (Process p : children) {
            assertTrue(p.waitFor(300, TimeUnit.SECONDS), "training child did not finish");
            assertEquals(0, p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        }
        assertArrayEquals(Files.readAllBytes(model(dir.resolve("a"))), Files.readAllBytes(model(dir.resolve("b"))),
                "same config and seed in two processes must give the same model.safetensors bit for bit");
    }

    private static Path model(Path models) throws IOException {
        try (Stream<Path> files = Files.walk(models)) {
            List<Path> found = files.filter(f -> f.getFileName().toString().equals(Gpt2Checkpoints.MODEL)).toList();
            assertEquals(1, found.size(), "one final checkpoint expected under " + models + ": " + found);
            return found.get(0);
        }
    }
}
