package org.descent;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.descent.cli.Main;

/** Shared assertions with named tolerances that print the worst difference on failure. */
public final class TestSupport {
    private TestSupport() {}

    /** Asserts {@code |a[i] − b[i]| ≤ tol · max(1, |b[i]|)} for every i; reports the worst index. */
    public static void assertClose(double[] a, double[] b, double tol, String what) {
        assertTrue(a.length == b.length, what + ": lengths " + a.length + " vs " + b.length);
        double worst = 0;
        int at = -1;
        for (int i = 0; i < a.length; i++) {
            double diff = Math.abs(a[i] - b[i]) / Math.max(1.0, Math.abs(b[i]));
            if (diff > worst || Double.isNaN(diff)) {
                worst = diff;
                at = i;
            }
        }
        double w = worst;
        int i = at;
        assertTrue(w <= tol, () -> String.format(Locale.ROOT, "%s: max scaled diff %.3e at %d (%.9g vs %.9g) > "
                + "tolerance %.1e", what, w, i, a[i], b[i], tol));
    }

    public static void assertClose(double[][] a, double[][] b, double tol, String what) {
        assertTrue(a.length == b.length, what + ": lengths " + a.length + " vs " + b.length);
        for (int r = 0; r < a.length; r++) {
            assertClose(a[r], b[r], tol, what + " row " + r);
        }
    }

    public static void assertNear(double actual, double expected, double tol, String what) {
        assertTrue(Math.abs(actual - expected) <= tol, () -> String.format(Locale.ROOT,
                "%s: %.9g vs expected %.9g, diff %.3e > tolerance %.1e", what, actual, expected,
                Math.abs(actual - expected), tol));
    }

    /** What a command-line run printed and returned. */
    public record CliResult(int code, String out, String err) {}

    /** Runs the descent CLI in-process, capturing standard output and error. */
    public static CliResult cli(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new CliResult(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }
}
