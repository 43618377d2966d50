package org.descent.probe.calibration;

import ai.djl.ndarray.NDManager;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.descent.probe.Hypotheses;
import org.descent.probe.ModelUnderTest;
import org.descent.task.TaskConfig;

/**
 * One model of the calibration battery: an algorithm known by construction, the task it runs on, and the verdict
 * every hypothesis must get.
 *
 * @param name short id, e.g. {@code "gd-eta-star"}
 * @param description what the model computes
 * @param task the task (d, N, distributions) the probes sample prompts from
 * @param testPrompts the suite's test prompts for this case (a case may deliberately use too few)
 * @param expected hypothesis → expected verdict, for every hypothesis of {@link Hypotheses#ALL}
 * @param borderline empty, or why this case is deliberately borderline (then inconclusive is allowed everywhere)
 * @param model builds the model on a manager
 */
public record CalibrationCase(String name, String description, TaskConfig task, int testPrompts,
        Map<String, Expect> expected, String borderline, ModelFactory model) {

    public CalibrationCase {
        expected = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(expected));
        borderline = borderline == null ? "" : borderline;
        for (String h : Hypotheses.ALL) {
            if (!expected.containsKey(h)) {
                throw new IllegalArgumentException("calibration case " + name + ": no expectation for " + h);
            }
        }
    }

    /** What a hypothesis's verdict must be. */
    public enum Expect {
        /** The model implements the hypothesis (by construction, or it is nested in it). */
        CONSISTENT,
        /** The model does not implement the hypothesis. */
        INCONSISTENT,
        /** Either way (a construction deliberately within the tolerance of the hypothesis, said why). */
        EITHER
    }

    /** Builds the model under test. */
    @FunctionalInterface
    public interface ModelFactory {
        ModelUnderTest build(TaskConfig task, NDManager manager);
    }

    /** Whether inconclusive is allowed on every hypothesis of this case. */
    public boolean isBorderline() {
        return !borderline.isEmpty();
    }

    /**
     * Expectations: the given hypotheses consistent, {@code either} free, every other canonical hypothesis
     * inconsistent.
     */
    public static Map<String, Expect> expect(Set<String> consistent, Set<String> either) {
        Map<String, Expect> m = new LinkedHashMap<>();
        for (String h : Hypotheses.ALL) {
            m.put(h, consistent.contains(h) ? Expect.CONSISTENT : either.contains(h) ? Expect.EITHER
                    : Expect.INCONSISTENT);
        }
        return m;
    }
}
