package org.descent.cli;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.descent.experiment.EvaluationDatasets;
import org.descent.experiment.ExperimentConfig;
import org.descent.experiment.MemoryBudget;
import org.descent.util.OutputFailedException;
import org.descent.experiment.Workspace;
import org.descent.task.PromptSet;
import org.descent.task.Seeds;
import org.descent.task.TaskTruth;
import org.descent.util.Provenance;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code descent dataset}: freeze an evaluation set. */
@Command(name = "dataset", mixinStandardHelpOptions = true,
        description = "Draw prompts of a task and freeze them as datasets/<name>/prompts.npz (numpy-readable: tokens, "
                + "targets and each prompt's task parameters, e.g. w) with a manifest; use them with "
                + "'descent compare --dataset'.")
final class DatasetCommand implements Callable<Integer> {
    @Mixin ExperimentOptions experiment;
    @Mixin RuntimeOptions runtime;
    @Spec CommandSpec spec;

    @Option(names = "--name", required = true, paramLabel = "NAME", description = "Folder name under --datasets-dir.")
    String name;

    @Option(names = "--count", defaultValue = "10000", paramLabel = "B", description = "Prompts (default: ${DEFAULT-VALUE}).")
    int count;

    @Option(names = "--datasets-dir", defaultValue = "datasets", paramLabel = "DIR",
            description = "Root folder of datasets (default: ${DEFAULT-VALUE}).")
    Path datasetsDir;

    @Override
    public Integer call() {
        runtime.configureEngine();
        EvaluationDatasets.requireValidName(name);
        if (count <= 0) {
            throw new IllegalArgumentException("--count must be a positive integer, got " + count);
        }
        if (java.nio.file.Files.exists(datasetsDir.resolve(name))) {
            throw new IllegalArgumentException(datasetsDir.resolve(name) + " already exists; datasets are never "
                    + "overwritten");
        }
        ExperimentConfig cfg = experiment.resolve();
        Preflight.memory(runtime, MemoryBudget.prompts(cfg.task(), count, "dataset"));
        Preflight.output(datasetsDir, "--datasets-dir", EvaluationDatasets.estimateBytes(cfg.task(), count),
                spec.commandLine().getErr());
        Workspace ws = runtime.workspace().withCommand(CommandLines.of(spec));
        long seed = Seeds.derive(cfg.train().seed(), Seeds.TEST, 1);
        try (NDManager manager = NDManager.newBaseManager(ws.device())) {
            TaskTruth.Recorded<PromptSet> drawn = EvaluationDatasets.draw(cfg.task(), count, seed, manager);
            Path out;
            try {
                out = EvaluationDatasets.write(datasetsDir, name, cfg, seed, drawn, Provenance.collect(ws.device()),
                        ws.command());
            } catch (java.io.UncheckedIOException e) {
                throw new OutputFailedException("could not write the dataset: " + e.getMessage() + "; nothing was "
                        + "written (it is a pure function of the options: free some space and run the same command)",
                        e);
            }
            spec.commandLine().getOut().println("dataset: " + out + " (" + count + " prompts)");
        }
        return 0;
    }
}
