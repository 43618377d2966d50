package org.descent.task.layout;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import org.descent.task.PromptSet;
import org.junit.jupiter.api.Test;

class PromptLayoutTest {

    /** Two prompts, d = 2, N = 2: x_i = (10b + 2i + 1, 10b + 2i + 2), y_i = -(10b + i + 1), query x = (7, 8)·(b+1). */
    private static PromptSet prompts() {
        int d = 2;
        int n = 2;
        double[] tokens = new double[2 * (n + 1) * (d + 1)];
        double[] targets = new double[2];
        for (int b = 0; b < 2; b++) {
            for (int i = 0; i < n; i++) {
                int at = (b * (n + 1) + i) * (d + 1);
                tokens[at] = 10 * b + 2 * i + 1;
                tokens[at + 1] = 10 * b + 2 * i + 2;
                tokens[at + 2] = -(10 * b + i + 1);
            }
            int q = (b * (n + 1) + n) * (d + 1);
            tokens[q] = 7 * (b + 1);
            tokens[q + 1] = 8 * (b + 1);
            targets[b] = 100 + b;
        }
        return new PromptSet(d, n, tokens, targets);
    }

    @Test
    void gargInterleavesInputsAndLabelTokensAndPredictsAtEveryInput() {
        PromptLayout garg = PromptLayout.named("interleaved");
        double[] expected = {
            1, 2, -1, 0, 3, 4, -2, 0, 7, 8,
            11, 12, -11, 0, 13, 14, -12, 0, 14, 16};
        assertArrayEquals(expected, garg.encode(prompts()), 0.0);
        assertEquals(2, garg.width(2));
        assertEquals(5, garg.length(2));
        assertArrayEquals(new int[] {0, 2, 4}, garg.predictionPositions(2));
    }

    @Test
    void akyurekPutsInputsAfterALeadingZero() {
        PromptLayout a = PromptLayout.named("interleaved-akyurek");
        double[] first = {0, 1, 2, -1, 0, 0, 0, 3, 4, -2, 0, 0, 0, 7, 8};
        double[] all = a.encode(prompts());
        assertArrayEquals(first, java.util.Arrays.copyOf(all, 15), 0.0);
        assertEquals(3, a.width(2));
    }

    @Test
    void djlEncodingMatchesTheHeapEncodingForEveryLayout() {
        PromptSet p = prompts();
        try (NDManager m = NDManager.newBaseManager()) {
            for (PromptLayout layout : PromptLayout.builtIn()) {
                NDArray encoded = layout.encode(p.tokensArray(m, DataType.FLOAT64));
                assertEquals(new ai.djl.ndarray.types.Shape(2, layout.length(2), layout.width(2)),
                        encoded.getShape(), layout.name());
                assertArrayEquals(layout.encode(p), encoded.toDoubleArray(), 0.0, layout.name());
            }
        }
    }

    @Test
    void concatenatedPredictsOnlyAtTheQuery() {
        PromptLayout c = PromptLayout.named("concatenated");
        assertArrayEquals(new int[] {2}, c.predictionPositions(2));
        assertThrows(IllegalArgumentException.class, () -> c.predictionPosition(2, 1));
        assertArrayEquals(prompts().flatTokens(), c.encode(prompts()), 0.0);
    }

    @Test
    void prefixTargetsAreTheNextLabelThenTheQueryTarget() {
        assertArrayEquals(new double[] {-1, -2, 100, -11, -12, 101}, prompts().prefixTargets(), 0.0);
    }

    @Test
    void unknownLayoutNamesTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PromptLayout.named("zigzag"));
        assertEquals("unknown prompt layout 'zigzag'; known: [concatenated, interleaved, interleaved-akyurek]",
                e.getMessage());
    }
}
