package org.descent.probe;

import java.util.Map;
import java.util.Optional;

/**
 * A probe: one experiment on a model under test that measures something and gives verdicts on hypotheses about the
 * algorithm the model runs in context. This is descent's service-provider interface; implementations are found with
 * {@link java.util.ServiceLoader}, the built-in ones from descent's own jar and external ones from jars dropped into
 * {@code probes/} (see {@code probes/README.md}).
 *
 * <p>Contract:
 * <ul>
 *   <li>an implementation has a public no-argument constructor and holds no mutable state: one instance may run
 *       on several models, one after the other;</li>
 *   <li>{@link #name()} is unique among installed probes, lower-case words joined by dashes;</li>
 *   <li>{@link #defaultParameters()} lists every parameter the probe reads with its documented default; a suite file
 *       that sets a key not listed there is rejected before anything runs;</li>
 *   <li>{@link #run} is deterministic given the context (draw prompts only from {@link ProbeContext#prompts()},
 *       seed any other randomness from {@link ProbeContext#seed(String)}) and reports verdicts through
 *       {@link Evidence} with bootstrap intervals ({@link ProbeContext#bootstrap()}).</li>
 * </ul>
 */
public interface Probe {

    /** The name suites refer to, e.g. {@code "gd-alignment"}. */
    String name();

    /** One line for {@code descent probes --list}. */
    String description();

    /**
     * Every parameter with its default: numbers (Integer or Double), booleans, strings, or lists of numbers. The
     * suite file may override any of them; the type of the default is the type a suite value must have.
     */
    Map<String, Object> defaultParameters();

    /**
     * Why this probe cannot run on {@code model} (e.g. "the model exposes no hidden states"), or empty when it can.
     * A probe that cannot run is reported as skipped, not failed.
     */
    default Optional<String> unsupportedReason(ModelUnderTest model) {
        return Optional.empty();
    }

    /** Runs the probe. Exceptions are reported as a failed probe; the other probes still run. */
    ProbeResult run(ProbeContext context);
}
