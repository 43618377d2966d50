package org.descent.cli;

import ai.djl.ndarray.NDManager;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.descent.experiment.EvalConfig;
import org.descent.experiment.EvaluationDatasets;
import org.descent.experiment.ExperimentConfig;
import org.descent.experiment.MemoryBudget;
import org.descent.experiment.OneStepGdExperiment;
import org.descent.util.OutputFailedException;
import org.descent.experiment.Workspace;
import org.descent.task.PromptSet;
import org.descent.train.Checkpoints;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code descent compare}: an existing checkpoint against one step of GD. */
@Command(name = "compare", mixinStandardHelpOptions = true,
        description = "Compare a descent checkpoint with one step of GD(η*) on fresh prompts (or a frozen dataset) "
                + "and write a report.")
final class CompareCommand implements Callable<Integer> {
    @Mixin RuntimeOptions runtime;
    @Mixin OutputOptions.Reports reports;
    @Mixin EvaluationOptions evaluation;
    @Mixin FailOnOption failOn;
    @Spec CommandSpec spec;

    @Option(names = "--checkpoint", required = true, paramLabel = "DIR", description = "models/<run-id> folder.")
    Path checkpoint;

    @Option(names = "--dataset", paramLabel = "DIR", description = "Frozen evaluation set datasets/<name>.")
    Path dataset;

    @Option(names = "--seed", paramLabel = "S", description = "Seed of the test prompts (default: the run's seed).")
    Long seed;

    @Override
    public Integer call() {
        runtime.configureEngine();
        Workspace ws = runtime.workspace(null, reports).withCommand(CommandLines.of(spec));
        PrintWriter out = spec.commandLine().getOut();
        Preflight.reports(ws, spec.commandLine().getErr());
        Checkpoints.Loaded loaded;
        PromptSet frozen = null;
        Map<String, org.descent.util.Npz.Array> frozenTruth = Map.of();
        try (NDManager manager = NDManager.newBaseManager(ws.device())) {
            loaded = Checkpoints.load(checkpoint, manager);
            if (dataset != null) {
                EvaluationDatasets.Dataset ds = EvaluationDatasets.read(dataset, manager);
                if (!ds.manifest().task().equals(loaded.manifest().task())) {
                    throw new IllegalArgumentException(dataset + " was drawn from task " + ds.manifest().task()
                            + " but the checkpoint was trained on " + loaded.manifest().task());
                }
                frozen = ds.prompts();
                frozenTruth = ds.truth();
            }
        }
        var m = loaded.manifest();
        EvalConfig eval = new EvalConfig(evaluation.testPrompts, EvalConfig.defaults().searchPrompts());
        ExperimentConfig cfg = new ExperimentConfig(m.task(), m.model(), seed == null ? m.train()
                : m.train().withSeed(seed), eval);
        Preflight.memory(runtime, MemoryBudget.evaluation(cfg.task(), cfg.model(),
                frozen != null ? frozen.size() : eval.testPrompts(), eval.searchPrompts()));
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("checkpoint", checkpoint.toString());
        extra.put("checkpoint_params_sha256", OneStepGdExperiment.parameterChecksum(checkpoint));
        if (dataset != null) {
            extra.put("dataset", dataset.toString());
        }
        OneStepGdExperiment.Compared compared;
        try {
            compared = OneStepGdExperiment.compare(cfg, ws, loaded.state().weights(), loaded.state().losses(), frozen,
                    frozenTruth, extra, "compare");
        } catch (java.io.UncheckedIOException e) {
            throw new OutputFailedException("could not write the report: " + e.getMessage() + "; nothing was "
                    + "written (free some space or choose another --reports-dir, then run compare again)", e);
        }
        Console.verdict(out, compared.result(), compared.metrics());
        out.println("report: " + compared.report().resolve("report.html"));
        out.flush();
        return failOn.exitCode(FailOnOption.ofComparison(compared.result().verdict()), compared.result().verdict(),
                spec.commandLine().getErr());
    }
}
