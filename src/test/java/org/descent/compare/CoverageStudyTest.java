package org.descent.compare;

import static org.descent.TestSupport.assertNear;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import java.util.List;
import org.descent.oracle.GradientDescentOracle;
import org.descent.probe.PromptBootstrap;
import org.descent.task.PromptSet;
import org.descent.task.TaskConfig;
import org.descent.task.TaskSamplers;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;

/**
 * The coverage study (fast setting, as CI runs it): Student t over S = 2, 3, 5, 10 seeds and the probes' prompt
 * bootstrap cover their truths within 92.5–97.5%; the stress row shows where t breaks; the study is deterministic.
 */
class CoverageStudyTest {

    @Test
    void productIntervalsAreCalibrated() {
        long t0 = System.nanoTime();
        PromptBootstrap pb = new PromptBootstrap(1000, 0.95, 7);
        CoverageStudy.Result r = CoverageStudy.run(CoverageStudy.Settings.fast(),
                new CoverageStudy.PromptIntervals(pb::mean, pb::ratio));
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.println(r.summary());
        System.out.printf("coverage study (fast): %.1f s%n", seconds);
        assertEquals(List.of(), r.inconclusiveSeedCounts(), r.summary());
        assertTrue(r.promptIntervalsCalibrated(), r.summary());
        for (CoverageStudy.Row row : r.rows(CoverageStudy.STUDENT_T)) {
            if (row.gated()) {
                assertTrue(row.withinTarget(), row.toString());
            } else {
                assertTrue(row.coverage() < CoverageStudy.TARGET_LOW, "stress rows show the limit: " + row);
            }
        }
        assertEquals(3 * CoverageStudy.SEED_COUNTS.length, r.rows(CoverageStudy.STUDENT_T).size());
        assertEquals(3, r.rows().stream().filter(x -> x.prompts() > 0).count());
        assertTrue(r.toJson().containsKey("coverage_by_seeds"));
    }

    @Test
    void seedLevelIsDeterministic() {
        CoverageStudy.Settings s = new CoverageStudy.Settings(500, 10, 100, 10, 3);
        assertEquals(CoverageStudy.seedLevel(s), CoverageStudy.seedLevel(s));
    }

    /** The prompt-level truths are exact: a large Monte-Carlo sample agrees with tr(Δᵀ Σ Δ G). */
    @Test
    void promptLevelTruthIsExact() {
        TaskConfig task = CoverageStudy.promptTask();
        DMatrixRMaj delta = CommonOps_DDRM.identity(task.d());
        CommonOps_DDRM.scale(0.3, delta);
        double exact = CoverageStudy.quadratic(task, delta);
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            PromptSet p = TaskSamplers.forTask(task).samplePromptSet(m, 200_000, 5);
            double[] yhat = GradientDescentOracle.preconditioned(delta).predict(p);
            double mc = 0;
            for (double v : yhat) {
                mc += v * v;
            }
            mc /= yhat.length;
            assertNear(mc, exact, 0.02 * exact, "E[(x_qᵀ Δ h)²]");
        }
        assertFalse(CoverageStudy.Settings.full().promptRepetitions() < 1000, "full: ≥ 1000 repetitions");
    }
}
