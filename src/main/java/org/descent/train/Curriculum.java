package org.descent.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.descent.task.PromptBatch;
import org.descent.task.Seeds;
import org.descent.task.TaskConfig;
import org.descent.task.TaskSampler;
import org.descent.task.TaskSamplers;

/**
 * Garg et al. (2022)'s curriculum: the number of active input dimensions and of context points grow on a schedule.
 * At step s (0-based) a schedule's value is {@code min(end, start + increment · ⌊s / interval⌋)}, a pure function of
 * the step, so a resumed run continues the same curriculum. With {@code dims} at value k, inputs are drawn in k
 * dimensions and the other {@code d − k} coordinates of every x are zero (labels use only the active ones); with
 * {@code points} at value n, prompts have n context pairs. Tokens stay {@code d + 1} wide, so the model's input width
 * never changes. A schedule left out is constant at the task's d (or N).
 *
 * <p>Command-line form: {@code dims=2:5:1:2000,points=6:11:1:2000} ({@code start:end:increment:interval}).
 *
 * @param dims schedule of the active input dimensions, or null for all d
 * @param points schedule of the context pairs, or null for all N
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Curriculum(Schedule dims, Schedule points) {

    /**
     * One growing quantity.
     *
     * @param start value at step 0, at least 1
     * @param end final value, at least start
     * @param increment added every {@code interval} steps, at least 0
     * @param interval steps between increments, at least 1
     */
    public record Schedule(int start, int end, int increment, int interval) {
        public Schedule {
            if (start < 1 || end < start || increment < 0 || interval < 1) {
                throw new IllegalArgumentException("curriculum: a schedule start:end:increment:interval needs "
                        + "1 <= start <= end, increment >= 0 and interval >= 1, got " + start + ":" + end + ":"
                        + increment + ":" + interval);
            }
        }

        /** The value at step {@code step} (0-based). */
        public int value(int step) {
            long v = start + (long) increment * (step / interval);
            return (int) Math.min(end, v);
        }

        @Override
        public String toString() {
            return start + ":" + end + ":" + increment + ":" + interval;
        }
    }

    public Curriculum {
        if (dims == null && points == null) {
            throw new IllegalArgumentException("curriculum: give dims, points or both");
        }
    }

    /** Parses {@code dims=S:E:I:K,points=S:E:I:K} (either part may be left out). */
    public static Curriculum parse(String text) {
        Schedule dims = null;
        Schedule points = null;
        for (String part : text.split(",")) {
            String[] kv = part.trim().split("=", 2);
            String[] v = kv.length == 2 ? kv[1].split(":") : new String[0];
            if (kv.length != 2 || v.length != 4) {
                throw new IllegalArgumentException("curriculum: expected dims=start:end:increment:interval and/or "
                        + "points=start:end:increment:interval, got '" + part.trim() + "'");
            }
            Schedule s;
            try {
                s = new Schedule(Integer.parseInt(v[0].trim()), Integer.parseInt(v[1].trim()),
                        Integer.parseInt(v[2].trim()), Integer.parseInt(v[3].trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("curriculum: '" + part.trim() + "' holds a non-integer");
            }
            switch (kv[0].trim().toLowerCase(Locale.ROOT)) {
                case "dims" -> dims = s;
                case "points" -> points = s;
                default -> throw new IllegalArgumentException("curriculum: unknown schedule '" + kv[0].trim()
                        + "'; known: dims, points");
            }
        }
        return new Curriculum(dims, points);
    }

    /** Active input dimensions at {@code step} for a task of dimension {@code d}. */
    public int dims(int step, int d) {
        return dims == null ? d : dims.value(step);
    }

    /** Context pairs at {@code step} for a task of {@code n} pairs. */
    public int points(int step, int n) {
        return points == null ? n : points.value(step);
    }

    /** Refuses a curriculum that cannot apply to {@code task}. */
    public void check(TaskConfig task) {
        if (dims != null && dims.end() > task.d()) {
            throw new IllegalArgumentException("curriculum: dims end " + dims.end() + " exceeds the task's d="
                    + task.d());
        }
        if (points != null && points.end() > task.n()) {
            throw new IllegalArgumentException("curriculum: points end " + points.end() + " exceeds the task's n="
                    + task.n());
        }
        if (dims != null && task.covariance() != null) {
            throw new IllegalArgumentException("curriculum: dims needs isotropic inputs (the task has a covariance)");
        }
    }

    /**
     * The training batches under this curriculum: step s draws {@code batchSize} prompts of the task with
     * {@code dims(s)} dimensions and {@code points(s)} pairs from seed {@code derive(seed, TRAIN, s)} and pads the
     * inputs with zeros to d.
     */
    public BatchSource source(TaskConfig task, TrainConfig config) {
        check(task);
        Map<Long, TaskSampler> samplers = new ConcurrentHashMap<>();
        return (scope, step) -> {
            int k = dims(step, task.d());
            int n = points(step, task.n());
            TaskSampler sampler = samplers.computeIfAbsent((long) k << 32 | n,
                    key -> TaskSamplers.forTask(task.withD(k).withN(n)));
            PromptBatch b = sampler.sample(scope, config.batchSize(), Seeds.derive(config.seed(), Seeds.TRAIN, step));
            if (k == task.d()) {
                return b;
            }
            NDArray t = b.tokens(); // [B, n+1, k+1]
            Shape s = t.getShape();
            NDArray zeros = scope.zeros(new Shape(s.get(0), s.get(1), task.d() - k), t.getDataType(), t.getDevice());
            NDArray padded = NDArrays.concat(new NDList(t.get(new NDIndex(":, :, :" + k)), zeros,
                    t.get(new NDIndex(":, :, " + k + ":"))), 2); // [B, n+1, d+1]
            return new PromptBatch(padded, b.targets());
        };
    }

    @Override
    public String toString() {
        return (dims == null ? "" : "dims=" + dims) + (dims != null && points != null ? "," : "")
                + (points == null ? "" : "points=" + points);
    }
}
