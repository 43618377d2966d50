package org.descent.experiment;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.descent.model.ModelConfig;
import org.descent.task.TaskConfig;
import org.descent.train.TrainConfig;
import org.descent.util.OutputDirs;

/**
 * Memory a run will need, estimated from the shapes before anything is allocated, so a run that cannot fit is
 * refused at once with the estimate and the machine's limit instead of failing after minutes with an allocation
 * error from libtorch (or being killed by the kernel's out-of-memory killer).
 *
 * <p>Two budgets are checked: native memory (libtorch tensors: the training batch, the LSA's per-layer
 * {@code [B, D, D]} context products and their gradients, float64 evaluation chunks) plus the Java heap (prompt
 * sets in double precision, Jacobians) against the machine's memory (physical memory or the cgroup limit, whichever
 * is smaller), and the Java heap part alone against the JVM's maximum heap ({@code -Xmx}). The estimates are upper
 * bounds within a small factor (checked against measured peak RSS in {@code MemoryBudgetTest}); phases run one
 * after the other, so the largest phase counts.
 *
 * <p>Dimension glossary: {@code B} prompts, {@code T = N + 1} tokens, {@code D = d + 1} token width, {@code L}
 * layers.
 */
public final class MemoryBudget {
    /** Fixed cost of a JVM with libtorch loaded. */
    static final long BASE = 600L << 20;
    /** Prompts evaluated at once in float64 ({@code LsaRegressor}'s chunk). */
    static final int EVAL_CHUNK = 4096;
    /** Fraction of the machine's memory a run may plan to use. */
    static final double USABLE = 0.9;

    private MemoryBudget() {}

    /**
     * One phase's needs.
     *
     * @param what the phase and its dominant shapes, for messages
     * @param nativeBytes libtorch tensors
     * @param heapBytes Java arrays
     */
    public record Estimate(String what, long nativeBytes, long heapBytes) {
        public long total() {
            return BASE + nativeBytes + heapBytes;
        }
    }

    /** A training step: batch, per-layer products and gradients, parameters with Adam state (float32). */
    public static Estimate training(TaskConfig task, ModelConfig model, TrainConfig train) {
        if (model.isGpt2()) {
            return gpt2Training(task, model, train);
        }
        double b = train.batchSize();
        double t = task.tokens();
        double dim = task.tokenDim();
        double layers = model.layers();
        double distinct = model.weightTied() ? 1 : model.layers();
        double perLayer = 3 * b * dim * dim + 8 * b * t * dim; // [B,D,D] context product (+ grad), [B,T,D] stream
        double floats = layers * perLayer + 6 * b * t * dim + 20 * distinct * dim * dim;
        double heap = 8.0 * 4 * distinct * dim * dim * 3 + 16.0 * train.steps(); // snapshots; losses, step times
        return new Estimate(String.format(Locale.ROOT, "training batch %d × [%d, %d], %d layer(s)",
                train.batchSize(), task.tokens(), task.tokenDim(), model.layers()), saturate(4 * floats),
                saturate(heap));
    }

    /**
     * A GPT-2 training step: per block the residual stream, LayerNorms, q|k|v, the MLP's [B, T, 4E] and the attention
     * scores and probabilities [B, H, T, T], each with its gradient; parameters with gradient and Adam state.
     */
    private static Estimate gpt2Training(TaskConfig task, ModelConfig model, TrainConfig train) {
        org.descent.model.gpt2.Gpt2Config c = model.gpt2Config(task);
        double b = train.batchSize();
        double t = c.positions();
        double perLayer = 2 * (b * t * c.width() * 16 + 3 * b * c.heads() * t * t);
        double floats = c.layers() * perLayer + 6 * b * task.tokens() * task.tokenDim() + 4.0 * c.parameterCount();
        double heap = 8.0 * 4 * c.parameterCount() + 16.0 * train.steps();
        return new Estimate(String.format(Locale.ROOT, "GPT-2 training batch %d × %d tokens, %d block(s) of width %d",
                train.batchSize(), c.positions(), c.layers(), c.width()), saturate(4 * floats), saturate(heap));
    }

    /** Float64 evaluation of an LSA on {@code testPrompts} test and {@code searchPrompts} line-search prompts. */
    public static Estimate evaluation(TaskConfig task, ModelConfig model, int testPrompts, int searchPrompts) {
        double t = task.tokens();
        double dim = task.tokenDim();
        double chunk = Math.min(EVAL_CHUNK, Math.max(testPrompts, searchPrompts));
        double doubles = model.layers() * (3 * chunk * dim * dim + 8 * chunk * t * dim) + 4 * chunk * t * dim;
        double heapDoubles = ((double) testPrompts + searchPrompts) * (t * dim + 1) + 4.0 * testPrompts * task.d()
                + 4.0 * testPrompts;
        return new Estimate(String.format(Locale.ROOT, "evaluation on %d + %d prompts of [%d, %d] in float64",
                testPrompts, searchPrompts, task.tokens(), task.tokenDim()), saturate(8 * doubles),
                saturate(8 * heapDoubles));
    }

    /** Drawing and keeping {@code count} prompts in double precision (frozen datasets, probe prompt sets). */
    public static Estimate prompts(TaskConfig task, long count, String what) {
        double t = task.tokens();
        double dim = task.tokenDim();
        double chunk = Math.min(8192, count);
        double nativeBytes = 4 * 6 * chunk * t * dim + 4.0 * count * t * dim; // sampling chunks, float32 copy
        double heap = 8.0 * count * (t * dim + 1) + 2 * 4.0 * count * (t * dim + 1); // doubles + npz buffers
        return new Estimate(String.format(Locale.ROOT, "%s: %d prompts of [%d, %d]", what, count, task.tokens(),
                task.tokenDim()), saturate(nativeBytes), saturate(heap));
    }

    /**
     * Refuses a run whose largest phase does not fit.
     *
     * @throws IllegalArgumentException (one line) with the estimate, the limit, and what to change
     */
    public static void require(Estimate... phases) {
        require(machineLimit(), Runtime.getRuntime().maxMemory(), phases);
    }

    static void require(long machine, long maxHeap, Estimate... phases) {
        for (Estimate e : phases) {
            if (e.total() > USABLE * machine) {
                throw new IllegalArgumentException(String.format(Locale.ROOT, "not enough memory: the %s needs about "
                        + "%s, but this machine allows %s; use a smaller --batch, --d, --n or prompt count "
                        + "(estimated from the shapes before allocating anything; --skip-memory-check runs anyway)",
                        e.what(), OutputDirs.bytes(e.total()), OutputDirs.bytes(machine)));
            }
            if (e.heapBytes() > USABLE * maxHeap) {
                throw new IllegalArgumentException(String.format(Locale.ROOT, "not enough Java heap: the %s needs "
                        + "about %s of it, but the JVM may use at most %s; use fewer prompts or a smaller --d, or "
                        + "raise the limit with JAVA_OPTS=-Xmx... (--skip-memory-check runs anyway)", e.what(),
                        OutputDirs.bytes(e.heapBytes()), OutputDirs.bytes(maxHeap)));
            }
        }
    }

    /** Physical memory, or the cgroup (container) limit when that is smaller. */
    public static long machineLimit() {
        long physical = Long.MAX_VALUE;
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            physical = os.getTotalMemorySize();
        }
        long limit = physical;
        for (String f : List.of("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes")) {
            try {
                String v = Files.readString(Path.of(f)).strip();
                if (v.matches("\\d+")) {
                    limit = Math.min(limit, Long.parseLong(v));
                }
            } catch (IOException | RuntimeException e) {
                // no such cgroup file: no container limit
            }
        }
        return limit;
    }

    private static long saturate(double bytes) {
        return bytes >= Long.MAX_VALUE / 2.0 ? Long.MAX_VALUE / 2 : (long) Math.ceil(bytes);
    }
}
