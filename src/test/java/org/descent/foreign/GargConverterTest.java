package org.descent.foreign;

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
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/convert_garg_checkpoint.py on the committed Garg-style run folder ({@code models/fixtures/garg-tiny/garg-run}):
 * it reproduces the committed safetensors byte for byte and refuses bad input with exit 2 and one line. Needs a
 * Python with torch ({@code $DESCENT_PYTHON}, default /usr/bin/python3); without one the test is skipped, loudly (CI
 * has no Python: the committed fixture is checked by {@link Gpt2CheckpointTest}).
 */
class GargConverterTest {
    private static final Path RUN = Gpt2CheckpointTest.FIXTURE.resolve("garg-run");

    record Result(int code, String out, String err) {}

    private static Result exec(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).start();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + List.of(command));
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    private static String pythonWithTorch() throws IOException, InterruptedException {
        String python = System.getenv().getOrDefault("DESCENT_PYTHON", "/usr/bin/python3");
        boolean ok;
        try {
            ok = exec(python, "-c", "import torch, numpy").code() == 0;
        } catch (IOException e) {
            ok = false;
        }
        if (!ok) {
            String why = "CONVERTER CHECK NOT RUN: " + python + " cannot import torch and numpy (apt-get install -y"
                    + " python3-torch python3-numpy)";
            System.err.println("\n*** " + why + " ***\n");
            Assumptions.abort(why);
        }
        return python;
    }

    private static Result convert(String python, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(python, "scripts/convert_garg_checkpoint.py"));
        cmd.addAll(List.of(args));
        return exec(cmd.toArray(String[]::new));
    }

    @Test
    void reproducesTheCommittedFixtureAndRefusesBadInput(@TempDir Path dir) throws Exception {
        String python = pythonWithTorch();
        Path out = dir.resolve("out");
        Result ok = convert(python, RUN.toString(), out.toString());
        assertEquals(0, ok.code(), ok.err());
        assertArrayEquals(Files.readAllBytes(Gpt2CheckpointTest.FIXTURE.resolve("model.safetensors")),
                Files.readAllBytes(out.resolve("model.safetensors")), "the committed fixture is the converter's");
        assertEquals(Files.readString(Gpt2CheckpointTest.FIXTURE.resolve("model.safetensors.task.json")),
                Files.readString(out.resolve("model.safetensors.task.json")));
        assertTrue(ok.err().contains("dropped 5 buffers"), ok.err());

        Result again = convert(python, RUN.toString(), out.toString());
        assertEquals(2, again.code());
        assertTrue(again.err().contains("exists; pass --force"), again.err());

        Path wrong = Files.createDirectories(dir.resolve("wrong"));
        Files.copy(RUN.resolve("state.pt"), wrong.resolve("state.pt"));
        Files.writeString(wrong.resolve("config.yaml"), Files.readString(RUN.resolve("config.yaml"))
                .replace("n_embd: 16", "n_embd: 32"));
        Result shape = convert(python, wrong.toString(), dir.resolve("o2").toString());
        assertEquals(2, shape.code(), shape.err());
        assertEquals(1, shape.err().strip().lines().count(), shape.err());
        assertTrue(shape.err().contains("state.pt: '_read_in.weight' has shape [16, 3], expected [32, 3]"),
                shape.err());

        Files.writeString(wrong.resolve("config.yaml"), "model:\n  family: lstm\n  n_dims: 3\n");
        Result family = convert(python, wrong.toString(), dir.resolve("o3").toString());
        assertEquals(2, family.code());
        assertTrue(family.err().contains("config.yaml: model.family is 'lstm'"), family.err());

        Files.delete(wrong.resolve("config.yaml"));
        Result missing = convert(python, wrong.toString(), dir.resolve("o4").toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("config.yaml: no such file"), missing.err());
        assertTrue(!Files.exists(dir.resolve("o2")) || !Files.exists(dir.resolve("o2").resolve("model.safetensors")),
                "nothing is written on bad input");
    }
}
