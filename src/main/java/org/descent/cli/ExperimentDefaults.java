package org.descent.cli;

import java.lang.reflect.Field;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.descent.experiment.ExperimentConfig;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The defaults of the experiment options, taken from {@link ExperimentConfig#defaults()} so that the help shows the
 * values a run really uses. Only options declared by the experiment option groups get one: a command's own
 * {@code --seed} or {@code --test-prompts} with another meaning (probe, compare) keeps its own default.
 */
final class ExperimentDefaults implements IDefaultValueProvider {
    private static final Set<Class<?>> GROUPS = Set.of(ExperimentOptions.class, TaskOptions.class, ModelOptions.class,
            OptimizerOptions.class, TrainingOptions.class, EvaluationOptions.class);

    /** Option name → default, as the help shows it. */
    static Map<String, String> defaults() {
        ExperimentConfig c = ExperimentConfig.defaults();
        Map<String, String> m = new LinkedHashMap<>();
        m.put("--seed", Long.toString(c.train().seed()));
        m.put("--d", Integer.toString(c.task().d()));
        m.put("--n", Integer.toString(c.task().n()));
        m.put("--inputs", c.task().inputs());
        m.put("--input-scale", number(c.task().inputScale()));
        m.put("--noise", number(c.task().noise()));
        m.put("--family", c.task().family());
        m.put("--arch", c.model().architecture());
        m.put("--layers", Integer.toString(c.model().layers()));
        m.put("--tied", Boolean.toString(c.model().weightTied()));
        m.put("--init-scale", number(c.model().initScale()));
        m.put("--batch", Integer.toString(c.train().batchSize()));
        m.put("--lr", number(c.train().lr()));
        m.put("--schedule", c.train().schedule());
        m.put("--warmup", Integer.toString(c.train().warmupSteps()));
        m.put("--clip-norm", number(c.train().clipNorm()));
        m.put("--steps", Integer.toString(c.train().steps()));
        m.put("--checkpoint-every", Integer.toString(c.train().checkpointEvery()));
        m.put("--test-prompts", Integer.toString(c.eval().testPrompts()));
        return m;
    }

    private static final Map<String, String> DEFAULTS = defaults();

    @Override
    public String defaultValue(ArgSpec arg) {
        if (arg instanceof OptionSpec o && arg.userObject() instanceof Field f && GROUPS.contains(f.getDeclaringClass())) {
            return DEFAULTS.get(o.longestName());
        }
        return null;
    }

    /** 1.0 → "1", 0.001 → "0.001", 1e-5 → "1.0E-5": the shortest text that reads back as the same double. */
    private static String number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }
}
