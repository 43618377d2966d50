package org.descent.probe.calibration;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.descent.probe.Hypotheses;
import org.descent.probe.ModelUnderTest;
import org.descent.probe.Outcome;
import org.descent.probe.ProbeRegistry;
import org.descent.probe.ProbeRun;
import org.descent.probe.ProbeRunner;
import org.descent.probe.ProbeSuite;
import org.descent.probe.calibration.CalibrationCase.Expect;

/**
 * Runs a probe suite on every model of a calibration battery and compares each combined verdict with the expected
 * one: the confusion of hypotheses × models that says whether descent's verdicts can be trusted.
 *
 * <p>Counting, per (model, hypothesis): a <b>false consistent</b> is a consistent verdict where the model does not
 * implement the hypothesis; a <b>false inconsistent</b> is an inconsistent verdict where it does; an
 * <b>inconclusive</b> is counted separately for ordinary and for deliberately borderline cases (only the latter are
 * allowed).
 */
public final class Calibration {
    private Calibration() {}

    /** Receives one line per finished case; may be null. */
    @FunctionalInterface
    public interface Listener {
        void caseFinished(CaseResult result);
    }

    /**
     * One model's verdicts against the expected ones.
     *
     * @param calibrationCase the case
     * @param got hypothesis → combined verdict (after the control gate)
     * @param reasons hypothesis → the one-line reason of the verdict
     * @param best the best-explaining algorithm named by the run
     * @param seconds wall time of the suite on this model, controls included
     */
    public record CaseResult(CalibrationCase calibrationCase, Map<String, Outcome> got, Map<String, String> reasons,
            String best, double seconds) {

        /** Whether the verdict on {@code h} is a false consistent. */
        public boolean falseConsistent(String h) {
            return calibrationCase.expected().get(h) == Expect.INCONSISTENT && got.get(h) == Outcome.CONSISTENT;
        }

        /** Whether the verdict on {@code h} is a false inconsistent. */
        public boolean falseInconsistent(String h) {
            return calibrationCase.expected().get(h) == Expect.CONSISTENT && got.get(h) == Outcome.INCONSISTENT;
        }

        /** Whether the verdict on {@code h} is inconclusive where a definite verdict was expected. */
        public boolean inconclusive(String h) {
            return calibrationCase.expected().get(h) != Expect.EITHER && got.get(h) == Outcome.INCONCLUSIVE;
        }
    }

    /**
     * The battery's outcome.
     *
     * @param cases per model
     * @param falseConsistent count over all cases and hypotheses
     * @param falseInconsistent count
     * @param inconclusive inconclusive verdicts on ordinary (not borderline) cases, where a definite one was expected
     * @param inconclusiveBorderline inconclusive verdicts on the deliberately borderline cases
     */
    public record Result(List<CaseResult> cases, int falseConsistent, int falseInconsistent, int inconclusive,
            int inconclusiveBorderline) {
        public Result {
            cases = List.copyOf(cases);
        }

        /** Whether every verdict is right: no false verdict, inconclusive only where allowed. */
        public boolean passed() {
            return falseConsistent == 0 && falseInconsistent == 0 && inconclusive == 0;
        }
    }

    /**
     * Runs {@code suite} (with each case's number of test prompts) on every case.
     *
     * @param manager the device for the LSA models and sampling
     */
    public static Result run(List<CalibrationCase> cases, ProbeSuite suite, ProbeRegistry registry, NDManager manager,
            Listener listener) {
        List<CaseResult> out = new ArrayList<>();
        int fc = 0;
        int fi = 0;
        int inc = 0;
        int incB = 0;
        for (CalibrationCase c : cases) {
            long t0 = System.nanoTime();
            ProbeSuite s = suite.withTestPrompts(c.testPrompts());
            ProbeRun run;
            try (NDManager sub = manager.newSubManager();
                    ModelUnderTest model = c.model().build(c.task(), sub)) {
                run = ProbeRunner.run(model, s, s.plan(registry, "calibration"), sub, null);
            }
            Map<String, Outcome> got = new LinkedHashMap<>();
            Map<String, String> reasons = new LinkedHashMap<>();
            for (String h : Hypotheses.ALL) {
                ProbeRun.Conclusion con = run.conclusions().get(h);
                got.put(h, con == null ? Outcome.INCONCLUSIVE : con.outcome());
                reasons.put(h, con == null ? "no probe tested it" : con.reason());
            }
            CaseResult r = new CaseResult(c, got, reasons, run.bestReference(), (System.nanoTime() - t0) / 1e9);
            for (String h : Hypotheses.ALL) {
                fc += r.falseConsistent(h) ? 1 : 0;
                fi += r.falseInconsistent(h) ? 1 : 0;
                if (r.inconclusive(h)) {
                    if (c.isBorderline()) {
                        incB++;
                    } else {
                        inc++;
                    }
                }
            }
            out.add(r);
            if (listener != null) {
                listener.caseFinished(r);
            }
        }
        return new Result(out, fc, fi, inc, incB);
    }
}
