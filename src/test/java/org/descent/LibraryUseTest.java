package org.descent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The library example of the README ("Library use"), scripts/library.jsh, runs as it is in jshell on the test class
 * path: it trains, loads the checkpoint, samples prompts with their ground truth, evaluates and probes, so the
 * documented entry points cannot rot.
 */
class LibraryUseTest {

    @Test
    void theJshellExampleRuns() throws Exception {
        Path jshell = Path.of(System.getProperty("java.home"), "bin", "jshell");
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of(Files.isExecutable(jshell) ? jshell.toString() : "jshell",
                "-R-Dai.djl.pytorch.num_threads=1", "-R-Dai.djl.pytorch.num_interop_threads=1",
                "-R-Dai.djl.offline=true", "-R-Djava.awt.headless=true", "--class-path", classPath,
                Path.of("scripts", "library.jsh").toString()));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("MKL_CBWR", "COMPATIBLE");
        pb.environment().put("DJL_OFFLINE", "true");
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] bytes = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "jshell did not finish");
        String out = new String(bytes, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        assertFalse(out.contains("|  Error") || out.contains("|  Exception") || out.contains("|  cannot find symbol"),
                "every snippet compiles and runs:\n" + out);
        for (String line : List.of("checkpoint: ", "loaded step 300 of run ", "prompts: 2000, w of the first: ",
                "test MSE: model ", "hypothesis one-step-gd: ", "done")) {
            assertTrue(out.contains(line), "missing \"" + line + "\" in:\n" + out);
        }
        assertTrue(classPath.contains("target" + File.separator + "classes"), classPath);
    }
}
