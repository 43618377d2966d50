package org.descent.probe;

import ai.djl.ndarray.NDManager;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.descent.task.PromptSet;
import org.descent.task.Seeds;
import org.descent.task.TaskConfig;
import org.descent.task.TaskSampler;
import org.descent.task.TaskSamplers;

/**
 * Seeded prompts of the task a model was trained on: the run's test prompts, and further independent draws from
 * named streams (e.g. a training set for read-out probes, Monte-Carlo prompts for line searches). The same run seed
 * and stream name always give the same prompts on the same device; different names give independent prompts.
 *
 * <p>Draws are cached per (stream, count) for the lifetime of one probe run. Every draw re-seeds the engine's random
 * generator and samples under one lock (shared with {@link #withTestHead} views), so a model and its controls can be
 * probed on two threads and still see exactly the same prompts.
 */
public final class PromptSource {
    private final TaskConfig task;
    private final TaskSampler sampler;
    private final NDManager manager;
    private final long seed;
    private final int testCount;
    private final Map<String, PromptSet> cache;
    private final PromptSource parent;

    /**
     * @param task the task to sample
     * @param manager owner of temporary sampling arrays (prompts are copied to the heap)
     * @param seed the run seed
     * @param testCount B, the number of test prompts
     */
    public PromptSource(TaskConfig task, NDManager manager, long seed, int testCount) {
        if (testCount < 2) {
            throw new IllegalArgumentException("probe: at least 2 test prompts are needed, got " + testCount);
        }
        this.task = task;
        this.sampler = TaskSamplers.forTask(task);
        this.manager = manager;
        this.seed = seed;
        this.testCount = testCount;
        this.cache = new HashMap<>();
        this.parent = null;
    }

    private PromptSource(PromptSource parent, int testCount) {
        this.task = parent.task;
        this.sampler = parent.sampler;
        this.manager = parent.manager;
        this.seed = parent.seed;
        this.testCount = testCount;
        this.cache = parent.cache;
        this.parent = parent;
    }

    /**
     * The same source whose test prompts are the first {@code count} of this one's (every other stream shared): the
     * controls are probed on such a view, so they see exactly the model's first prompts.
     */
    public PromptSource withTestHead(int count) {
        if (count < 2 || count > testCount) {
            throw new IllegalArgumentException("probe: a test head needs 2.." + testCount + " prompts, got " + count);
        }
        return count == testCount ? this : new PromptSource(this, count);
    }

    public TaskConfig task() {
        return task;
    }

    public long seed() {
        return seed;
    }

    /** The run's test prompts (B = the suite's {@code testPrompts}), drawn from the {@link Seeds#TEST} stream. */
    public PromptSet test() {
        synchronized (cache) {
            return testLocked();
        }
    }

    private PromptSet testLocked() {
        if (parent != null) {
            return cache.computeIfAbsent("\u0000test\u0000" + testCount, k -> parent.test().head(testCount));
        }
        return cache.computeIfAbsent("\u0000test", k -> sampler.samplePromptSet(manager, testCount,
                Seeds.derive(seed, Seeds.TEST, 0)));
    }

    /** Number of test prompts B. */
    public int testCount() {
        return testCount;
    }

    /**
     * {@code count} fresh prompts from the stream called {@code stream}, independent of the test prompts and of other
     * streams.
     */
    public PromptSet draw(String stream, int count) {
        if (stream == null || stream.isBlank()) {
            throw new IllegalArgumentException("prompt stream names must be non-empty");
        }
        synchronized (cache) {
            return cache.computeIfAbsent(stream + "\u0000" + count, k -> sampler.samplePromptSet(manager, count,
                    Seeds.derive(seed, streamId(stream), 0)));
        }
    }

    /** A stable 64-bit id of a stream name (FNV-1a over UTF-8), never equal to descent's fixed stream ids. */
    public static long streamId(String name) {
        long h = 0xcbf29ce484222325L;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return h | (1L << 62);
    }
}
