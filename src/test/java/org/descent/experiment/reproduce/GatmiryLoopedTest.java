package org.descent.experiment.reproduce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.descent.experiment.Workspace;
import org.descent.model.LsaRegressor;
import org.descent.model.LsaWeights;
import org.descent.oracle.PreconditionedGdConstruction;
import org.descent.oracle.PreconditionerTheory;
import org.descent.task.PromptSet;
import org.descent.task.TaskConfig;
import org.descent.task.TaskSamplers;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code gatmiry-looped} preset: a shortened run completes and its looped construction equals its oracle; the
 * shared-Γ verdict rule passes a looped PGD construction and refuses an untied model whose layers use different Γ.
 */
class GatmiryLoopedTest {

    @Test
    void shortenedPresetRunsAndItsConstructionEqualsItsOracle(@TempDir Path dir) throws Exception {
        Workspace ws = new Workspace(dir.resolve("models"), dir.resolve("reports"), Device.cpu());
        ReproductionReport.Outcome o;
        try (PresetRun run = new PresetRun(ws, List.of(0L), new PrintWriter(new StringWriter()),
                steps -> (s, l, lr) -> { })) {
            o = ReproductionReport.run(new GatmiryLooped(300, 2000, 1000, 3000), run);
        }
        Headline construction = o.result().headlines().stream()
                .filter(h -> h.key().equals("construction_vs_oracle_max_diff")).findFirst().orElseThrow();
        assertEquals(Verdict.SUPPORTED, construction.verdict(), construction.toString());
        assertTrue(o.result().headlines().stream().anyMatch(h -> h.key().equals("anisotropic.extrapolated_mse_change")));
        String md = Files.readString(o.report().resolve("report.md"));
        assertTrue(md.contains("More loops than trained"), "extrapolation section");
        assertTrue(Files.exists(o.report().resolve("metrics.json")));
    }

    private static DMatrixRMaj diag(double... v) {
        DMatrixRMaj m = new DMatrixRMaj(v.length, v.length);
        for (int i = 0; i < v.length; i++) {
            m.set(i, i, v[i]);
        }
        return m;
    }

    private static Verdict verdict(LsaWeights w, NDManager m, PromptSet fit, PromptSet test) {
        LsaRegressor model = new LsaRegressor("model", w, m);
        GatmiryLooped.Evidence ev = GatmiryLooped.evidence(model, GatmiryLooped.LOOPS, fit, test,
                model.predict(test), model.queryJacobians(test), List.of());
        List<Headline> heads = GatmiryLooped.evidenceHeadlines("t.", "test", List.of(ev));
        heads.forEach(h -> System.out.println(w.weightTied() + ": " + h));
        return Verdict.all(heads.stream().filter(h -> h.verdict() != null).map(Headline::verdict).toList());
    }

    @Test
    void untiedLayersWithDifferentGammasAreNotSharedGammaPgd() {
        TaskConfig task = GatmiryLooped.task("anisotropic");
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            PromptSet fit = TaskSamplers.forTask(task).samplePromptSet(m, 1000, 1);
            PromptSet test = TaskSamplers.forTask(task).samplePromptSet(m, 2000, 2);
            DMatrixRMaj shared = PreconditionerTheory.optimal(task);
            CommonOps_DDRM.scale(1.0 / GatmiryLooped.LOOPS, shared);
            assertEquals(Verdict.SUPPORTED, verdict(PreconditionedGdConstruction.looped(shared, 1.0,
                    GatmiryLooped.LOOPS), m, fit, test), "a looped shared-Γ PGD is shared-Γ PGD");
            // three PGD steps, each a good descent step on its own, with different preconditioners
            LsaWeights untied = LsaWeights.of(List.of(
                    PreconditionedGdConstruction.layer(diag(0.9, 0.5, 0.3, 0.15, 0.1), 1.0),
                    PreconditionedGdConstruction.layer(diag(0.1, 0.15, 0.3, 0.5, 0.9), 1.0),
                    PreconditionedGdConstruction.layer(diag(0.3, 0.3, 0.3, 0.3, 0.3), 1.0)));
            assertEquals(Verdict.NOT_SUPPORTED, verdict(untied, m, fit, test),
                    "an untied model with different Γ per layer is not shared-Γ PGD");
        }
    }
}
