package org.descent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.descent.TestSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --fail-on}: exit {@value Main#EXIT_VERDICT} when the verdict matches, 0 otherwise and without the option. The
 * probe fixtures have known verdicts (models/fixtures/README.md): {@code lsa_gd.pt} is consistent with one GD step
 * and inconsistent with OLS, {@code random_model.pt} is inconsistent with one GD step.
 */
class FailOnTest {
    private static final Path FIXTURES = Path.of("models", "fixtures");

    private static TestSupport.CliResult probe(Path reports, String fixture, String... more) {
        // 2,000 test prompts instead of 10,000: these verdicts are far from their tolerance (relative SPD 6e-15 and
        // 1.0 against 0.01), and the tests take a quarter of the time
        String[] base = {"probe", "--checkpoint", FIXTURES.resolve(fixture).toString(), "--reports-dir",
            reports.toString(), "-q", "--test-prompts", "2000"};
        return TestSupport.cli(CliTest.concat(base, more));
    }

    /** The summary line of {@code hypothesis} reads {@code outcome}. */
    private static boolean summary(TestSupport.CliResult r, String hypothesis, String outcome) {
        return Pattern.compile("(?m)^" + Pattern.quote(hypothesis) + "\\s+" + outcome + "\\s").matcher(r.out()).find();
    }

    @Test
    void consistentModelPassesEvenUnsupported(@TempDir Path dir) {
        TestSupport.CliResult r = probe(dir, "lsa_gd.pt", "--fail-on", "unsupported");
        assertTrue(summary(r, "one-step-gd", "CONSISTENT"), r.out());
        assertEquals(0, r.code(), r.out() + r.err());
        assertFalse(r.err().contains("--fail-on"), r.err());
    }

    @Test
    void inconsistentModelFailsOnlyWhenAsked(@TempDir Path dir) {
        TestSupport.CliResult plain = probe(dir, "random_model.pt");
        assertTrue(summary(plain, "one-step-gd", "INCONSISTENT"), plain.out());
        assertEquals(0, plain.code(), "the default exit code ignores the verdict: " + plain.err());

        TestSupport.CliResult failing = probe(dir, "random_model.pt", "--fail-on", "inconsistent");
        assertEquals(Main.EXIT_VERDICT, failing.code(), failing.out() + failing.err());
        assertTrue(failing.err().contains("one-step-gd inconsistent) matches --fail-on inconsistent: exit 8"),
                failing.err());
        assertTrue(failing.out().contains("report: "), "the report is written all the same: " + failing.out());
    }

    @Test
    void theJudgedHypothesesCanBeChosen(@TempDir Path dir) {
        // lsa_gd.pt is one GD step: consistent with one-step-gd, inconsistent with ols-like
        TestSupport.CliResult r = probe(dir, "lsa_gd.pt", "--fail-on", "inconsistent", "--fail-on-hypotheses",
                "one-step-gd,ols-like");
        assertEquals(Main.EXIT_VERDICT, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("one-step-gd consistent, ols-like inconsistent"), r.err());
    }

    /** The whole table: level × verdict, and each command's verdict names mapped onto it. */
    @Test
    void exitCodeTable() {
        FailOnOption f = new FailOnOption();
        java.io.PrintWriter err = new java.io.PrintWriter(java.io.Writer.nullWriter());
        FailOnOption.Verdict[] v = FailOnOption.Verdict.values(); // CONFIRMED, REFUTED, OPEN
        int[][] expected = {{0, 0, 0}, {0, 8, 0}, {0, 8, 8}}; // none, inconsistent, unsupported
        FailOnOption.Level[] levels = {null, FailOnOption.Level.INCONSISTENT, FailOnOption.Level.UNSUPPORTED};
        for (int l = 0; l < levels.length; l++) {
            f.level = levels[l];
            for (int i = 0; i < v.length; i++) {
                assertEquals(expected[l][i], f.exitCode(v[i], v[i].name(), err), levels[l] + " on " + v[i]);
            }
        }
        assertEquals(FailOnOption.Verdict.CONFIRMED, FailOnOption.ofComparison("consistent"));
        assertEquals(FailOnOption.Verdict.REFUTED, FailOnOption.ofComparison("inconsistent"));
        assertEquals(FailOnOption.Verdict.OPEN, FailOnOption.ofComparison("inconclusive"));
        assertEquals(FailOnOption.Verdict.CONFIRMED,
                FailOnOption.ofClaim(org.descent.experiment.reproduce.Verdict.SUPPORTED));
        assertEquals(FailOnOption.Verdict.REFUTED,
                FailOnOption.ofClaim(org.descent.experiment.reproduce.Verdict.NOT_SUPPORTED));
        assertEquals(FailOnOption.Verdict.OPEN,
                FailOnOption.ofClaim(org.descent.experiment.reproduce.Verdict.INCONCLUSIVE));
        assertEquals(FailOnOption.Verdict.REFUTED, FailOnOption.all(List.of(FailOnOption.Verdict.CONFIRMED,
                FailOnOption.Verdict.OPEN, FailOnOption.Verdict.REFUTED)));
        assertEquals(FailOnOption.Verdict.OPEN, FailOnOption.all(List.of(FailOnOption.Verdict.CONFIRMED,
                FailOnOption.Verdict.OPEN)));
        assertEquals(FailOnOption.Verdict.CONFIRMED, FailOnOption.all(List.of(FailOnOption.Verdict.CONFIRMED)));
        assertEquals(FailOnOption.Verdict.OPEN, FailOnOption.ofOutcome(org.descent.probe.Outcome.INCONCLUSIVE));
        assertEquals(8, Main.EXIT_VERDICT, "README's exit-code table");
    }

    @Test
    void badValuesAreUsageErrorsBeforeAnyWork(@TempDir Path dir) throws Exception {
        Path reports = dir.resolve("r");
        CliTest.assertOneLineError(probe(reports, "lsa_gd.pt", "--fail-on", "inconsistnt"),
                "did you mean 'inconsistent'?");
        CliTest.assertOneLineError(probe(reports, "lsa_gd.pt", "--fail-on", "inconsistent", "--fail-on-hypotheses",
                "one-step-gdd"), "unknown hypothesis 'one-step-gdd'; did you mean 'one-step-gd'?");
        CliTest.assertOneLineError(TestSupport.cli("verify", "--fail-on", "never"), "inconsistent or unsupported");
        assertTrue(!Files.exists(reports) || CliTest.isEmpty(reports), "nothing written");
    }
}
