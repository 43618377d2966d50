package org.descent.train;

import ai.djl.ndarray.NDManager;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.descent.task.PromptBatch;

/**
 * Draws the batch of step k + 1 on a background thread while step k trains, so sampling overlaps the forward and
 * backward passes on a machine with a second core. Each batch is still a pure function of the step
 * ({@link BatchSource}): batches are drawn one at a time, in step order, on the one sampling thread, and training
 * itself draws no random numbers, so the engine's generator is never used by two threads at once.
 *
 * <p>With {@code ahead == false} every batch is drawn on the calling thread when it is needed (the sequential step
 * that {@code descent bench --sequential-sampling} times).
 */
final class BatchPrefetcher implements AutoCloseable {
    /** A batch and the scope that owns its arrays; closing it frees them. */
    record Batch(NDManager scope, PromptBatch batch) implements AutoCloseable {
        @Override
        public void close() {
            scope.close();
        }
    }

    private final NDManager manager;
    private final BatchSource source;
    private final int steps;
    private final ExecutorService executor;
    private Future<Batch> pending;
    private int pendingStep = -1;

    BatchPrefetcher(NDManager manager, BatchSource source, int steps, boolean ahead) {
        this.manager = manager;
        this.source = source;
        this.steps = steps;
        this.executor = ahead ? Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "descent-sampler");
            t.setDaemon(true);
            return t;
        }) : null;
    }

    /** The batch of {@code step}; starts drawing the next one before returning. The caller closes it. */
    Batch take(int step) {
        Batch batch;
        if (pending != null && pendingStep == step) {
            batch = await(pending);
            pending = null;
        } else {
            discardPending();
            batch = draw(step);
        }
        if (executor != null && step + 1 < steps) {
            int next = step + 1;
            pending = executor.submit(() -> draw(next));
            pendingStep = next;
        }
        return batch;
    }

    private Batch draw(int step) {
        NDManager scope = manager.newSubManager();
        try {
            return new Batch(scope, source.draw(scope, step));
        } catch (RuntimeException | Error e) {
            scope.close();
            throw e;
        }
    }

    private static Batch await(Future<Batch> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a training batch", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException("drawing a training batch failed", e.getCause());
        }
    }

    /** Waits for a batch drawn ahead but not taken, and frees it. */
    private void discardPending() {
        if (pending != null) {
            Future<Batch> f = pending;
            pending = null;
            try {
                f.get().close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException e) {
                // the batch was never made: nothing to free
            }
        }
    }

    @Override
    public void close() {
        discardPending();
        if (executor != null) {
            executor.shutdown();
        }
    }
}
