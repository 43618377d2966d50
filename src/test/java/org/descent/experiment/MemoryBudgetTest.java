package org.descent.experiment;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.descent.model.ModelConfig;
import org.descent.task.TaskConfig;
import org.descent.train.TrainConfig;
import org.junit.jupiter.api.Test;

/** Drill "too large a model or batch": refused from the shapes, before anything is allocated. */
class MemoryBudgetTest {
    static final long MACHINE = 23L << 30;
    static final long HEAP = 6L << 30;

    static MemoryBudget.Estimate train(int d, int batch) {
        return MemoryBudget.training(TaskConfig.defaults().withD(d), ModelConfig.defaults(),
                TrainConfig.defaults().withSteps(300).withBatch(batch));
    }

    @Test
    void hugeModelsAndBatchesAreRefusedWithTheEstimateAndTheLimit() {
        for (MemoryBudget.Estimate e : new MemoryBudget.Estimate[] {train(5000, 2048), train(10, 100_000_000),
            train(10, 20_000_000)}) {
            IllegalArgumentException x = assertThrows(IllegalArgumentException.class,
                    () -> MemoryBudget.require(MACHINE, HEAP, e));
            assertTrue(x.getMessage().contains("not enough memory") && x.getMessage().contains("23.0 GiB")
                    && x.getMessage().contains("GiB, but"), x.getMessage());
        }
        IllegalArgumentException heap = assertThrows(IllegalArgumentException.class, () -> MemoryBudget.require(
                MACHINE, HEAP, MemoryBudget.prompts(TaskConfig.defaults().withD(200), 200_000, "dataset")));
        assertTrue(heap.getMessage().contains("Java heap") && heap.getMessage().contains("-Xmx"), heap.getMessage());
    }

    @Test
    void ordinaryRunsPass() {
        assertDoesNotThrow(() -> MemoryBudget.require(MACHINE, HEAP, train(10, 2048),
                MemoryBudget.evaluation(TaskConfig.defaults(), ModelConfig.defaults(), 10_000, 100_000)));
        assertDoesNotThrow(() -> MemoryBudget.require(MACHINE, HEAP, train(100, 2048)));
    }

    /**
     * The estimate is an upper bound of the measured peak RSS of {@code descent bench} (d = 10, one layer, 2 cores):
     * batch 200,000 measured 1.15 GB and batch 600,000 3.1 GB.
     */
    @Test
    void estimatesBoundMeasuredPeaks() {
        assertTrue(train(10, 200_000).total() > 1.15e9 && train(10, 200_000).total() < 4 * 1.15e9);
        assertTrue(train(10, 600_000).total() > 3.1e9 && train(10, 600_000).total() < 4 * 3.1e9);
    }
}
