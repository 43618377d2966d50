package org.descent.foreign;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.util.Pair;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.descent.regressor.QuerySensitivity;
import org.descent.task.PromptSet;
import org.descent.task.TaskConfig;

/**
 * A foreign checkpoint, a TorchScript module someone else trained, behind descent's regressor contract (README,
 * Contracts).
 *
 * <p>Dimension glossary: {@code B} prompts, {@code N} context examples, {@code T = N + 1} tokens, {@code d} input
 * dimension, {@code D = d + 1} token width, {@code L} layers, {@code D_h} the module's hidden width.
 *
 * <p>Module contract: {@code forward(tokens: float32 [B, T, D]) -> float32 [B]} with context rows
 * {@code [x_i, y_i]} and the query row {@code [x_q, 0]}. Hidden states are available when the module exports a
 * method {@code forward_with_hidden(tokens) -> (preds [B], hidden [L+1, B, T, D_h])}, or when {@code forward}
 * itself returns that pair; {@code hidden[0]} is the input to the first layer.
 *
 * <p>Prompts must be independent within a batch (no batch statistics): predictions and Jacobians are computed
 * for a whole chunk at once. The module always runs in eval mode (dropout off), also when Jacobians are taken.
 * Inputs are processed in chunks of {@link Builder#optChunkSize chunkSize} prompts, each in its own NDManager
 * that is closed after the chunk, so memory stays flat however many prompts are evaluated.
 *
 * <p>Every problem with the file becomes an {@link IllegalArgumentException} whose one-line message names it:
 * a missing file, a pickled checkpoint (with how to export TorchScript), a corrupt file, a missing task sidecar,
 * a module that rejects the task's tokens or returns something other than float32 {@code [B]}.
 *
 * <p>Not thread-safe. Jacobians use a DJL {@link GradientCollector}, of which the PyTorch engine allows only one
 * at a time per process; do not take Jacobians while a trainer is collecting gradients in another thread.
 */
public final class TorchScriptModel implements QuerySensitivity, AutoCloseable {
    /** Default number of prompts per forward call. */
    public static final int DEFAULT_CHUNK_SIZE = 4096;
    /** Name of the optional TorchScript method returning {@code (preds [B], hidden [L+1, B, T, D_h])}. */
    public static final String HIDDEN_METHOD = "forward_with_hidden";
    /**
     * DJL's PyTorch engine runs the TorchScript method named by an extra input array whose name is this prefix
     * plus the method name; that array is not passed to the method.
     */
    private static final String METHOD_SELECTOR = "module_method:";
    private static final String ENGINE = "PyTorch";
    private static final String EXPORT_HINT = "export TorchScript in Python with torch.jit.script(model).save(\"model.pt\")"
            + " or torch.jit.trace(model, example_tokens).save(\"model.pt\")";
    private static final long CHECK_SEED = 0x5EED_F0E1L;

    /** Where hidden states come from. */
    private enum HiddenSource { NONE, METHOD, FORWARD_TUPLE }

    /** What the first bytes and zip entries of a file say it is. */
    enum FileFormat { TORCHSCRIPT, PICKLED_ZIP, LEGACY_PICKLE, CORRUPT }

    private final Path file;
    private final TaskConfig task;
    private final String name;
    private final int chunkSize;
    private final Device device;
    private final Model model;
    private final PtSymbolBlock block;
    private final HiddenSource hiddenSource;

    private TorchScriptModel(Builder b, Model model, PtSymbolBlock block, HiddenSource hiddenSource) {
        this.file = b.file;
        this.task = b.task;
        this.name = b.name != null ? b.name : "TorchScript(" + b.file.getFileName() + ")";
        this.chunkSize = b.chunkSize;
        this.device = b.device;
        this.model = model;
        this.block = block;
        this.hiddenSource = hiddenSource;
    }

    /** Loads {@code file} on the CPU with the task read from its sidecar ({@link TaskSidecar}). */
    public static TorchScriptModel load(Path file) {
        return builder().setFile(file).build();
    }

    /** Loads {@code file} on the CPU for the given task (no sidecar needed). */
    public static TorchScriptModel load(Path file, TaskConfig task) {
        return builder().setFile(file).optTask(task).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Options of {@link TorchScriptModel}: {@code setFile} is required, the rest optional. */
    public static final class Builder {
        private Path file;
        private TaskConfig task;
        private String name;
        private Device device = Device.cpu();
        private int chunkSize = DEFAULT_CHUNK_SIZE;

        private Builder() {}

        /** The TorchScript file ({@code .pt}). */
        public Builder setFile(Path modelFile) {
            this.file = Objects.requireNonNull(modelFile, "file");
            return this;
        }

        /** The task the model was trained on; when not given, it is read from the sidecar. */
        public Builder optTask(TaskConfig declaredTask) {
            this.task = declaredTask;
            return this;
        }

        /** Display name in tables; default {@code TorchScript(<file name>)}. */
        public Builder optName(String displayName) {
            this.name = displayName;
            return this;
        }

        /** Device of the module and of every tensor it sees; default CPU. */
        public Builder optDevice(Device onDevice) {
            this.device = Objects.requireNonNull(onDevice, "device");
            return this;
        }

        /** Prompts per forward call; default {@value #DEFAULT_CHUNK_SIZE}. */
        public Builder optChunkSize(int prompts) {
            if (prompts <= 0) {
                throw new IllegalArgumentException("TorchScript model: chunk size must be positive, got " + prompts);
            }
            this.chunkSize = prompts;
            return this;
        }

        /**
         * Checks the file, loads the module and runs it once on two prompts of the task.
         *
         * @throws IllegalArgumentException with a one-line message naming the file on any problem
         */
        public TorchScriptModel build() {
            if (file == null) {
                throw new IllegalArgumentException("TorchScript model: no file given (setFile)");
            }
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException(file + ": no such file");
            }
            switch (detectFormat(file)) {
                case PICKLED_ZIP, LEGACY_PICKLE -> throw new IllegalArgumentException(file + ": a pickled PyTorch"
                        + " checkpoint (torch.save of a state dict or module), not TorchScript; descent never unpickles"
                        + " (loading a pickle can run code): " + Gpt2Checkpoint.convertHint(file) + "; for any other model, "
                        + EXPORT_HINT);
                case CORRUPT -> throw new IllegalArgumentException(file + ": not a readable TorchScript file"
                        + " (corrupt, truncated or another format); " + EXPORT_HINT);
                case TORCHSCRIPT -> { }
                default -> throw new IllegalStateException("unreachable");
            }
            if (task == null) {
                task = TaskSidecar.forModel(file);
            }
            Model model = Model.newInstance(file.getFileName().toString(), device, ENGINE);
            try {
                // trainParam=true: otherwise libtorch loads the weights as inference tensors and autograd w.r.t.
                // the input fails ("Inference tensors cannot be saved for backward").
                Path dir = file.toAbsolutePath().getParent();
                model.load(dir, file.getFileName().toString(), Map.of("trainParam", "true"));
                PtSymbolBlock block = (PtSymbolBlock) model.getBlock();
                // Never train: dropout off, no parameter gradients (only input gradients are wanted).
                JniUtils.enableInferenceMode(block);
                for (Pair<String, Parameter> p : block.getParameters()) {
                    p.getValue().getArray().setRequiresGradient(false);
                }
                HiddenSource hidden = checkContract(file, task, block, device);
                return new TorchScriptModel(this, model, block, hidden);
            } catch (IOException | MalformedModelException | EngineException e) {
                model.close();
                throw new IllegalArgumentException(file + ": could not be loaded as TorchScript: " + summary(e)
                        + "; " + EXPORT_HINT, e);
            } catch (RuntimeException e) {
                model.close();
                throw e;
            }
        }
    }

    /** Classifies a file by its magic bytes and, for zip archives, its entries. */
    static FileFormat detectFormat(Path file) {
        byte[] head = new byte[4];
        int read;
        try (InputStream in = Files.newInputStream(file)) {
            read = in.readNBytes(head, 0, 4);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot be read: " + e.getMessage(), e);
        }
        if (read >= 2 && (head[0] & 0xFF) == 0x80 && head[1] >= 2 && head[1] <= 5) {
            return FileFormat.LEGACY_PICKLE; // pickle protocol 2..5 header, torch.save(..., _use_new_zipfile_serialization=False)
        }
        if (read < 4 || head[0] != 'P' || head[1] != 'K' || head[2] != 3 || head[3] != 4) {
            return FileFormat.CORRUPT;
        }
        boolean code = false;
        boolean constants = false;
        boolean data = false;
        try (ZipFile zip = new ZipFile(file.toFile())) {
            for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
                String entry = e.nextElement().getName();
                code |= entry.contains("/code/") || entry.startsWith("code/");
                constants |= entry.endsWith("constants.pkl");
                data |= entry.endsWith("data.pkl");
            }
        } catch (ZipException e) {
            return FileFormat.CORRUPT;
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot be read: " + e.getMessage(), e);
        }
        if (code || constants) {
            return FileFormat.TORCHSCRIPT;
        }
        return data ? FileFormat.PICKLED_ZIP : FileFormat.CORRUPT;
    }

    /**
     * Runs the module on two prompts of the declared task and checks the output contract.
     *
     * @return where hidden states can be read from
     */
    private static HiddenSource checkContract(Path file, TaskConfig task, PtSymbolBlock block, Device device) {
        int b = 2;
        Shape shape = new Shape(b, task.n() + 1, task.d() + 1);
        try (NDManager scope = NDManager.newBaseManager(device, ENGINE)) {
            NDArray tokens = scope.create(checkTokens(task, b), shape); // [2, T, D]
            NDList out;
            try {
                out = IValueUtils.forward(block, new NDList(tokens), false);
            } catch (EngineException e) {
                throw new IllegalArgumentException(file + ": forward failed on float32 tokens " + shape
                        + " of the declared task (d=" + task.d() + ", n=" + task.n() + "): " + summary(e), e);
            }
            if (out.isEmpty()) {
                throw new IllegalArgumentException(file + ": forward returned no tensor; it must return float32"
                        + " predictions of shape [B]");
            }
            NDArray preds = out.get(0);
            if (!preds.getShape().equals(new Shape(b))) {
                throw new IllegalArgumentException(file + ": forward must return predictions of shape [B] = [" + b
                        + "] for tokens " + shape + ", got " + preds.getShape() + " (squeeze trailing dimensions in"
                        + " the module)");
            }
            if (preds.getDataType() != DataType.FLOAT32) {
                throw new IllegalArgumentException(file + ": forward must return float32 predictions, got "
                        + preds.getDataType());
            }
            if (Arrays.asList(JniUtils.getMethodNames(block)).contains(HIDDEN_METHOD)) {
                return HiddenSource.METHOD;
            }
            if (out.size() >= 2 && out.get(1).getShape().dimension() == 4) {
                return HiddenSource.FORWARD_TUPLE;
            }
            return HiddenSource.NONE;
        }
    }

    /** Deterministic check tokens {@code [B, T, D]} (flat): x ~ U(−a, a), y ~ N(0, 1), query label 0. */
    private static float[] checkTokens(TaskConfig task, int b) {
        SplittableRandom rng = new SplittableRandom(CHECK_SEED);
        int dim = task.d() + 1;
        int t = task.n() + 1;
        float[] out = new float[b * t * dim];
        for (int p = 0; p < b; p++) {
            for (int i = 0; i < t; i++) {
                int at = (p * t + i) * dim;
                for (int k = 0; k < task.d(); k++) {
                    out[at + k] = (float) (task.inputScale() * (2 * rng.nextDouble() - 1));
                }
                out[at + task.d()] = i < t - 1 ? (float) rng.nextGaussian() : 0f;
            }
        }
        return out;
    }

    @Override
    public String name() {
        return name;
    }

    /** The TorchScript file. */
    public Path file() {
        return file;
    }

    /** The task the model was trained on (from the sidecar or given at load). */
    public TaskConfig task() {
        return task;
    }

    /** Whether {@link #hiddenStates} can return anything. */
    public boolean hasHiddenStates() {
        return hiddenSource != HiddenSource.NONE;
    }

    /**
     * Predictions in float32 through the module, returned in double precision.
     *
     * @param prompts B prompts with the model's d (N may differ from the task's, e.g. for prefix curves, if the
     *     module accepts it)
     * @return ŷ {@code [B]}
     */
    @Override
    public double[] predict(PromptSet prompts) {
        checkPrompts(prompts);
        double[] out = new double[prompts.size()];
        float[] flat = toFloat(prompts.flatTokens());
        for (int start = 0; start < prompts.size(); start += chunkSize) {
            int size = Math.min(chunkSize, prompts.size() - start);
            try (NDManager chunk = NDManager.newBaseManager(device, ENGINE)) {
                NDArray tokens = chunkTokens(chunk, flat, prompts, start, size); // [b, T, D]
                NDArray preds = run(tokens, false, null).get(0); // [b]
                copyInto(checkPreds(preds, size), out, start);
            }
        }
        return out;
    }

    /**
     * Per-prompt Jacobians ∂ŷ/∂x_q by autograd on the token input (the gradient at row N, columns 0..d−1), with
     * the module in eval mode.
     *
     * @param prompts B prompts
     * @return {@code [B][d]}
     */
    @Override
    public double[][] queryJacobians(PromptSet prompts) {
        checkPrompts(prompts);
        int d = prompts.d();
        double[][] out = new double[prompts.size()][];
        float[] flat = toFloat(prompts.flatTokens());
        for (int start = 0; start < prompts.size(); start += chunkSize) {
            int size = Math.min(chunkSize, prompts.size() - start);
            try (NDManager chunk = NDManager.newBaseManager(device, ENGINE)) {
                NDArray tokens = chunkTokens(chunk, flat, prompts, start, size); // [b, T, D]
                tokens.setRequiresGradient(true);
                float[] grad;
                synchronized (org.descent.regressor.Autograd.LOCK) {
                    try (GradientCollector collector = chunk.getEngine().newGradientCollector()) {
                        // training=true only switches autograd on; the module stays in eval mode (see build()).
                        NDArray preds = checkPredsArray(run(tokens, true, null).get(0), size); // [b]
                        collector.backward(preds.sum());
                        grad = tokens.getGradient().get(new NDIndex(":, -1, 0:" + d)).toFloatArray(); // [b, d]
                    }
                }
                for (int p = 0; p < size; p++) {
                    double[] row = new double[d];
                    for (int k = 0; k < d; k++) {
                        row[k] = grad[p * d + k];
                    }
                    out[start + p] = row;
                }
            }
        }
        return out;
    }

    /**
     * The residual stream after every layer, when the module provides it.
     *
     * @param prompts B prompts
     * @return {@code [L+1][B][T * D_h]} (row-major over tokens then width), {@code hidden[0]} the input to the first
     *     layer; empty when the module has no {@value #HIDDEN_METHOD} and its forward returns predictions only
     */
    public Optional<double[][][]> hiddenStates(PromptSet prompts) {
        if (hiddenSource == HiddenSource.NONE) {
            return Optional.empty();
        }
        checkPrompts(prompts);
        double[][][] out = null;
        float[] flat = toFloat(prompts.flatTokens());
        int t = prompts.n() + 1;
        for (int start = 0; start < prompts.size(); start += chunkSize) {
            int size = Math.min(chunkSize, prompts.size() - start);
            try (NDManager chunk = NDManager.newBaseManager(device, ENGINE)) {
                NDArray tokens = chunkTokens(chunk, flat, prompts, start, size); // [b, T, D]
                NDList result = run(tokens, false, hiddenSource == HiddenSource.METHOD ? HIDDEN_METHOD : null);
                if (result.size() < 2) {
                    throw new IllegalArgumentException(file + ": " + HIDDEN_METHOD + " must return (preds [B], hidden"
                            + " [L+1, B, N+1, D_h]), got " + result.size() + " tensor(s)");
                }
                NDArray hidden = result.get(1); // [L+1, b, T, D_h]
                Shape s = hidden.getShape();
                if (s.dimension() != 4 || s.get(1) != size || s.get(2) != t) {
                    throw new IllegalArgumentException(file + ": hidden states must have shape [L+1, B, N+1, D_h] = [*, "
                            + size + ", " + t + ", *], got " + s);
                }
                int layers = (int) s.get(0);
                int width = (int) (s.get(2) * s.get(3));
                if (out == null) {
                    out = new double[layers][prompts.size()][];
                } else if (out.length != layers) {
                    throw new IllegalStateException(file + ": hidden-state depth changed between chunks");
                }
                float[] values = hidden.toType(DataType.FLOAT32, false).toFloatArray();
                for (int l = 0; l < layers; l++) {
                    for (int p = 0; p < size; p++) {
                        double[] row = new double[width];
                        int at = (l * size + p) * width;
                        for (int k = 0; k < width; k++) {
                            row[k] = values[at + k];
                        }
                        out[l][start + p] = row;
                    }
                }
            }
        }
        return Optional.of(out);
    }

    /** Names of the module's parameters in module order ({@code "layers.0.W_Q"}, ...); empty if it has none. */
    public List<String> parameterNames() {
        return Collections.unmodifiableList(block.getParameters().keys());
    }

    /** One named parameter copied to double precision, if the module has it. */
    public Optional<NamedTensor> parameter(String parameterName) {
        for (Pair<String, Parameter> p : block.getParameters()) {
            if (p.getKey().equals(parameterName)) {
                return Optional.of(copy(p.getKey(), p.getValue().getArray()));
            }
        }
        return Optional.empty();
    }

    /** Every named parameter copied to double precision, in module order (for weight-structure probes). */
    public Map<String, NamedTensor> parameters() {
        Map<String, NamedTensor> out = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            out.put(p.getKey(), copy(p.getKey(), p.getValue().getArray()));
        }
        return Collections.unmodifiableMap(out);
    }

    /**
     * A parameter of a foreign module.
     *
     * @param name the TorchScript attribute path, e.g. {@code "layers.0.W_Q"}
     * @param shape its shape, e.g. {@code [D, D]}
     * @param values its entries, row-major (flat, product of {@code shape} long)
     */
    public record NamedTensor(String name, long[] shape, double[] values) {
        public NamedTensor {
            shape = shape.clone();
            values = values.clone();
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        @Override
        public double[] values() {
            return values.clone();
        }

        /** A 2-D parameter as {@code [rows][cols]}. */
        public double[][] matrix() {
            if (shape.length != 2) {
                throw new IllegalStateException("parameter " + name + " has shape " + Arrays.toString(shape)
                        + ", not a matrix");
            }
            double[][] m = new double[(int) shape[0]][(int) shape[1]];
            for (int r = 0; r < m.length; r++) {
                System.arraycopy(values, r * m[r].length, m[r], 0, m[r].length);
            }
            return m;
        }

        @Override
        public String toString() {
            return name + Arrays.toString(shape);
        }
    }

    @Override
    public void close() {
        model.close();
    }

    // ---------------------------------------------------------------------------------------------------------

    private NDList run(NDArray tokens, boolean autograd, String method) {
        NDList inputs = new NDList(tokens);
        if (method != null) {
            NDArray selector = tokens.getManager().create(0f);
            selector.setName(METHOD_SELECTOR + method);
            inputs.add(selector);
        }
        try {
            // IValueUtils directly, not block.forward(..., training): PtSymbolBlock switches the module to train
            // mode when training=true, which would turn dropout on.
            return IValueUtils.forward(block, inputs, autograd);
        } catch (EngineException e) {
            throw new IllegalArgumentException(file + ": " + (method == null ? "forward" : method) + " failed on"
                    + " tokens " + tokens.getShape() + ": " + summary(e), e);
        }
    }

    private void checkPrompts(PromptSet prompts) {
        if (prompts.d() != task.d()) {
            throw new IllegalArgumentException(file + ": prompts have d=" + prompts.d() + " but the model's task has d="
                    + task.d());
        }
    }

    /** Prompts {@code [start, start+size)} as float32 tokens {@code [size, T, D]} in {@code manager}. */
    private static NDArray chunkTokens(NDManager manager, float[] flat, PromptSet prompts, int start, int size) {
        int t = prompts.n() + 1;
        int dim = prompts.tokenDim();
        int per = t * dim;
        float[] part = Arrays.copyOfRange(flat, start * per, (start + size) * per);
        return manager.create(part, new Shape(size, t, dim));
    }

    private NDArray checkPredsArray(NDArray preds, int size) {
        if (!preds.getShape().equals(new Shape(size)) || preds.getDataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException(file + ": forward must return float32 predictions of shape [" + size
                    + "], got " + preds.getDataType() + " " + preds.getShape());
        }
        return preds;
    }

    private float[] checkPreds(NDArray preds, int size) {
        return checkPredsArray(preds, size).toFloatArray();
    }

    private static void copyInto(float[] values, double[] out, int start) {
        for (int i = 0; i < values.length; i++) {
            out[start + i] = values[i];
        }
    }

    private static float[] toFloat(double[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }

    private static NamedTensor copy(String key, NDArray array) {
        double[] values;
        if (array.getDataType() == DataType.FLOAT64) {
            values = array.toDoubleArray();
        } else {
            // toType's result belongs to the module's manager: close it at once.
            try (NDArray converted = array.toType(DataType.FLOAT64, true)) {
                values = converted.toDoubleArray();
            }
        }
        return new NamedTensor(key, array.getShape().getShape(), values);
    }

    /** One line from an engine error: TorchScript messages carry a traceback whose last line says what failed. */
    static String summary(Throwable e) {
        String message = e.getMessage();
        if (message == null || message.isBlank()) {
            return e.getClass().getSimpleName();
        }
        String[] lines = message.strip().split("\\R");
        for (int i = lines.length - 1; i >= 0; i--) {
            String line = lines[i].strip();
            if (line.matches("^[A-Za-z_.]*(Error|Exception): .*")) {
                return line;
            }
        }
        return lines[0].strip();
    }
}
