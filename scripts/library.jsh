// descent as a Java library, from jshell (README, "Library use"). From the repository root, after a build
// (mvn -q -DskipTests package, or any ./descent command):
//   jshell --class-path "target/classes:$(echo target/lib/*.jar | tr ' ' ':')" scripts/library.jsh
// It trains a small model, loads its checkpoint, samples prompts with their ground truth, evaluates the model against
// one GD step, and runs a probe on it. LibraryUseTest runs this file as it is, so these calls stay current.
import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.descent.compare.PredictionMetrics;
import org.descent.experiment.ExperimentConfig;
import org.descent.experiment.TrainingRun;
import org.descent.experiment.Workspace;
import org.descent.model.LsaRegressor;
import org.descent.oracle.GradientDescentOracle;
import org.descent.oracle.OptimalStepSize;
import org.descent.probe.ModelUnderTest;
import org.descent.probe.ProbeRegistry;
import org.descent.probe.ProbeRun;
import org.descent.probe.ProbeRunner;
import org.descent.probe.ProbeSuite;
import org.descent.probe.model.ModelLoader;
import org.descent.task.PromptSet;
import org.descent.task.TaskConfig;
import org.descent.task.TaskSamplers;
import org.descent.task.TaskTruth;
import org.descent.train.Checkpoints;
import org.descent.train.StopSignal;
import org.descent.train.TrainConfig;

Path work = Files.createTempDirectory("descent-library");
Workspace ws = new Workspace(work.resolve("models"), work.resolve("reports"), Device.cpu());

// 1. Train: any experiment config (task, model, train, eval); this one is small. Writes models/<run-id>-step<k>/.
TaskConfig task = TaskConfig.defaults().withD(4).withN(8);
ExperimentConfig cfg = new ExperimentConfig(task, null, TrainConfig.defaults().withSteps(300), null);
Path checkpoint = TrainingRun.train(cfg, ws, null, null, (step, loss, lr) -> { }, StopSignal.never(),
        System.err::println).checkpoint();
System.out.println("checkpoint: " + checkpoint.getFileName());

// 2. Load a checkpoint (descent's own folder; weights also in weights.npz for numpy).
NDManager manager = NDManager.newBaseManager(Device.cpu());
Checkpoints.Loaded loaded = Checkpoints.load(checkpoint, manager);
System.out.println("loaded step " + loaded.manifest().step() + " of run " + loaded.manifest().runId());

// 3. Sample prompts with the task vector w of each, and evaluate the model and one GD step on them.
TaskTruth.Recorded<PromptSet> drawn = TaskTruth.record(() ->
        TaskSamplers.forTask(loaded.manifest().task()).samplePromptSet(manager, 2000, 42));
PromptSet prompts = drawn.value();
double[] w = drawn.parameters().get("w").asDoubles(); // [2000, d], row-major
double[] model = new LsaRegressor("trained", loaded.state().weights(), manager).predict(prompts);
double[] gd = GradientDescentOracle.oneStep(OptimalStepSize.closedForm(task)).predict(prompts);
System.out.printf("prompts: %d, w of the first: %.4f ...%n", prompts.size(), w[0]);
System.out.printf("test MSE: model %.4f, GD(eta*) %.4f, preds diff %.4f%n",
        PredictionMetrics.mse(model, prompts.targets()), PredictionMetrics.mse(gd, prompts.targets()),
        PredictionMetrics.predsDiff(model, gd));

// 4. Run a probe suite on the checkpoint (a TorchScript .pt with its .task.json sidecar works the same way).
ProbeSuite suite = new ProbeSuite("library", "", 1000, 7L, 1000, 200, 0.95, null,
        List.of(new ProbeSuite.Entry("gd-alignment", Map.of())));
try (ProbeRegistry registry = ProbeRegistry.builtIn();
        ModelUnderTest probed = ModelLoader.load(checkpoint, null, manager)) {
    ProbeRun run = ProbeRunner.run(probed, suite, suite.plan(registry, "library example"), manager, null);
    run.conclusions().forEach((h, c) -> System.out.println("hypothesis " + h + ": " + c.outcome()));
}
manager.close();
System.out.println("done");
/exit
