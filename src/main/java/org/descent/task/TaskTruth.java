package org.descent.task;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.descent.util.Npz;

/**
 * The ground truth of sampled prompts: the task function each prompt was labelled with, as the sampler drew it.
 * Sampling itself is unchanged (the same draws, the same numbers); while {@link #record} runs, the samplers also hand
 * a copy of each per-prompt parameter to the recorder of the calling thread, and batches drawn one after another (as
 * {@link TaskSampler#samplePromptSet} does in chunks) are joined along the prompt axis, in order.
 *
 * <p>The parameters, by family (B prompts, d inputs): linear and sparse linear {@code w [B, d]} (float32, the task
 * vector after the prior's transform; zero off the support for sparse tasks; the response function applies to
 * {@code w·x}); ReLU networks {@code u [B, d, r]} and {@code alpha [B, r]}; decision trees {@code tree_features
 * [B, 2^h − 1]} (int32, the coordinate each internal node tests, heap order, right when {@code x > 0}) and
 * {@code tree_leaves [B, 2^h]}. Label noise is not a task parameter and is not recorded.
 */
public final class TaskTruth {
    private static final ThreadLocal<Map<String, Npz.Array>> CURRENT = new ThreadLocal<>();

    private TaskTruth() {}

    /**
     * What {@link #record} returned: the sampling's result and the per-prompt parameters drawn, by name.
     *
     * @param value what the sampling returned (e.g. a {@link PromptSet})
     * @param parameters name → array with the prompts on the first axis, in drawing order
     */
    public record Recorded<T>(T value, Map<String, Npz.Array> parameters) {
        public Recorded {
            parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
        }
    }

    /**
     * Runs {@code sampling} on this thread and collects the task parameters of every prompt it draws.
     *
     * @throws IllegalStateException when called while already recording on this thread
     */
    public static <T> Recorded<T> record(Supplier<T> sampling) {
        if (CURRENT.get() != null) {
            throw new IllegalStateException("TaskTruth.record is already running on this thread");
        }
        Map<String, Npz.Array> sink = new LinkedHashMap<>();
        CURRENT.set(sink);
        try {
            T value = sampling.get();
            return new Recorded<>(value, sink);
        } finally {
            CURRENT.remove();
        }
    }

    /** Whether a {@link #record} runs on this thread (samplers skip any extra work otherwise). */
    static boolean recording() {
        return CURRENT.get() != null;
    }

    /** Hands a per-prompt parameter (first axis: prompts) to the recorder, if one runs; copies it to the heap. */
    static void offer(String name, NDArray value, long... shape) {
        Map<String, Npz.Array> sink = CURRENT.get();
        if (sink == null) {
            return;
        }
        long[] s = shape.length > 0 ? shape : value.getShape().getShape();
        Npz.Array a = value.getDataType() == DataType.INT32 ? Npz.Array.of(value.toIntArray(), s)
                : Npz.Array.of(value.toType(DataType.FLOAT32, false).toFloatArray(), s);
        add(sink, name, a);
    }

    /** Hands a per-prompt parameter computed on the heap (first axis: prompts) to the recorder, if one runs. */
    static void offer(String name, int[] values, long... shape) {
        Map<String, Npz.Array> sink = CURRENT.get();
        if (sink != null) {
            add(sink, name, Npz.Array.of(values, shape));
        }
    }

    /** As {@link #offer(String, int[], long...)} for float32 values. */
    static void offer(String name, float[] values, long... shape) {
        Map<String, Npz.Array> sink = CURRENT.get();
        if (sink != null) {
            add(sink, name, Npz.Array.of(values, shape));
        }
    }

    private static void add(Map<String, Npz.Array> sink, String name, Npz.Array a) {
        sink.merge(name, a, Npz.Array::concat);
    }

    /** The names of the parameters a task's sampler records, in order (see the class comment). */
    public static List<String> names(TaskConfig task) {
        List<String> out = new ArrayList<>();
        switch (task.family()) {
            case TaskConfig.FAMILY_LINEAR, TaskConfig.FAMILY_SPARSE_LINEAR -> out.add("w");
            case TaskConfig.FAMILY_RELU_NETWORK -> {
                out.add("u");
                out.add("alpha");
            }
            case TaskConfig.FAMILY_DECISION_TREE -> {
                out.add("tree_features");
                out.add("tree_leaves");
            }
            case TaskConfig.FAMILY_GAUSSIAN_MIXTURE -> out.add("mu");
            default -> { }
        }
        return out;
    }
}
