package org.descent.probe;

import java.util.function.ToDoubleFunction;
import org.descent.compare.Bootstrap;
import org.descent.task.Seeds;

/**
 * Percentile bootstrap intervals over prompts ({@link Bootstrap}) with the suite's resample count and level, seeded
 * per probe and statistic label, so every interval in a report is reproducible.
 *
 * @param resamples bootstrap resamples (suite {@code bootstrapResamples})
 * @param level coverage (suite {@code confidenceLevel}, default 0.95)
 * @param seed the probe's seed
 */
public record PromptBootstrap(int resamples, double level, long seed) {

    public PromptBootstrap {
        if (resamples < 10) {
            throw new IllegalArgumentException("bootstrap: at least 10 resamples are needed, got " + resamples);
        }
        if (!(level > 0 && level < 1)) {
            throw new IllegalArgumentException("bootstrap: the level must be in (0, 1), got " + level);
        }
    }

    private long seedFor(String label) {
        return Seeds.derive(seed, PromptSource.streamId("bootstrap:" + label), 0);
    }

    /** Interval of any statistic of n prompts given as a function of resampled prompt indices. */
    public Bootstrap.Interval of(String label, int n, ToDoubleFunction<int[]> statistic) {
        return Bootstrap.of(n, statistic, resamples, level, seedFor(label));
    }

    /** Interval of the mean of per-prompt values {@code [B]}. */
    public Bootstrap.Interval mean(String label, double[] values) {
        return of(label, values.length, Bootstrap.meanOf(values));
    }

    /** Interval of {@code Σ num / Σ den} over prompts (e.g. a relative SPD or 1 − R²). */
    public Bootstrap.Interval ratio(String label, double[] num, double[] den) {
        return of(label, num.length, Bootstrap.ratioOf(num, den));
    }
}
