package org.descent.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same seed gives bit-identical weights in two separate processes, with MKL's conditional-reproducibility mode
 * as the launcher and the test build set it ({@code MKL_CBWR=AUTO}). In-process reruns cannot show this: the
 * run-to-run variation MKL allows comes from per-process state (buffer alignment, cache-size detection, threads).
 * A 3-layer model, whose batched products go through MKL, trained for 120 steps in two concurrent processes.
 */
class CrossProcessReproducibilityTest {
    @Test
    void twoProcessesTrainBitIdenticalWeights(@TempDir Path dir) throws Exception {
        List<Process> children = new ArrayList<>();
        for (String name : List.of("a", "b")) {
            children.add(train(dir.resolve(name)));
        }
        for (Process p : children) {
            assertTrue(p.waitFor(300, TimeUnit.SECONDS), "training child did not finish");
            assertEquals(0, p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        }
        byte[] a = Files.readAllBytes(params(dir.resolve("a")));
        byte[] b = Files.readAllBytes(params(dir.resolve("b")));
        assertArrayEquals(a, b, "same config and seed in two processes must give the same weights bit for bit");
    }

    private static Process train(Path models) throws IOException {
        List<String> cmd = List.of(ProcessHandle.current().info().command().orElse("java"), "-cp",
                System.getProperty("java.class.path"), "-Dai.djl.offline=true", "-Djava.awt.headless=true",
                "-Xmx512m", "org.descent.cli.Main", "train", "--layers", "3", "--steps", "120", "--lr", "3e-3",
                "--seed", "11", "--models-dir", models.toString(), "-q");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("MKL_CBWR", "AUTO");
        return pb.start();
    }

    private static Path params(Path models) throws IOException {
        try (Stream<Path> files = Files.walk(models)) {
            List<Path> found = files.filter(f -> f.getFileName().toString().equals("lsa.params")).toList();
            assertEquals(1, found.size(), "one final checkpoint expected under " + models + ": " + found);
            return found.get(0);
        }
    }
}
