package org.descent.model;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * An L-layer linear-self-attention transformer as a DJL block: per distinct layer four trainable float32
 * parameters {@code layer<l>.W_Q, W_K, W_V, P}, each {@code [D, D]}. Weight-tied models hold one layer and apply
 * it L times. Input {@code [B, N+1, D]} tokens; output {@code ŷ [B]} (and, when asked, hidden states
 * {@code [L+1, B, N+1, D]}). The arithmetic lives in {@link LinearSelfAttention}.
 */
public final class LsaTransformerBlock extends AbstractBlock {
    private static final byte VERSION = 1;
    /** Forward option: also return the residual stream after every layer. */
    public static final String KEEP_HIDDEN = "keepHidden";
    static final String[] NAMES = {"W_Q", "W_K", "W_V", "P"};

    private final int dim;
    private final int depth;
    private final boolean weightTied;
    private final List<Parameter[]> layerParams = new ArrayList<>();

    private LsaTransformerBlock(int dim, int depth, boolean weightTied) {
        super(VERSION);
        if (dim < 2) {
            throw new IllegalArgumentException("LSA: token width D = d + 1 must be at least 2, got " + dim);
        }
        if (depth <= 0) {
            throw new IllegalArgumentException("LSA: layers must be a positive integer, got " + depth);
        }
        this.dim = dim;
        this.depth = depth;
        this.weightTied = weightTied;
        int distinct = weightTied ? 1 : depth;
        for (int l = 0; l < distinct; l++) {
            Parameter[] ps = new Parameter[4];
            for (int k = 0; k < 4; k++) {
                ps[k] = addParameter(Parameter.builder()
                        .setName("layer" + l + "." + NAMES[k])
                        .setType(Parameter.Type.WEIGHT)
                        .optRequiresGrad(true)
                        .build());
            }
            layerParams.add(ps);
        }
    }

    /**
     * A block holding {@code weights} as float32 parameters in {@code manager}, ready to train.
     *
     * @param manager owner of the parameter arrays (decides the device)
     * @param weights initial weights
     */
    public static LsaTransformerBlock withWeights(NDManager manager, LsaWeights weights) {
        LsaTransformerBlock block = new LsaTransformerBlock(weights.dim(), weights.depth(), weights.weightTied());
        for (int l = 0; l < block.layerParams.size(); l++) {
            double[][] m = weights.layers().get(l).matrices();
            for (int k = 0; k < 4; k++) {
                NDArray a = manager.create(m[k], new Shape(block.dim, block.dim)).toType(DataType.FLOAT32, false);
                a.setName(block.layerParams.get(l)[k].getName());
                a.setRequiresGradient(true);
                block.layerParams.get(l)[k].setArray(a);
            }
        }
        block.inputShapes = new Shape[] {new Shape(-1, -1, block.dim)};
        return block;
    }

    /**
     * Reads a block written by {@link #save}. The stream's architecture header must match, otherwise a clear
     * error names both shapes.
     */
    public static LsaTransformerBlock load(NDManager manager, DataInputStream in, int dim, int depth,
            boolean weightTied) throws IOException, MalformedModelException {
        LsaTransformerBlock block = new LsaTransformerBlock(dim, depth, weightTied);
        block.loadParameters(manager, in);
        for (Parameter[] ps : block.layerParams) {
            for (Parameter p : ps) {
                Shape s = p.getArray().getShape();
                if (!s.equals(new Shape(dim, dim)) || p.getArray().getDataType() != DataType.FLOAT32) {
                    throw new MalformedModelException("parameter " + p.getName() + " has shape " + s + " and type "
                            + p.getArray().getDataType() + ", expected (" + dim + ", " + dim + ") float32");
                }
                p.getArray().setRequiresGradient(true);
            }
        }
        block.inputShapes = new Shape[] {new Shape(-1, -1, dim)};
        return block;
    }

    /** Writes the architecture header and all parameters (DJL parameter format). */
    public void save(DataOutputStream out) throws IOException {
        saveParameters(out);
    }

    @Override
    protected void saveMetadata(DataOutputStream os) throws IOException {
        os.writeInt(dim);
        os.writeInt(depth);
        os.writeBoolean(weightTied);
    }

    @Override
    public void loadMetadata(byte loadVersion, DataInputStream is) throws IOException, MalformedModelException {
        if (loadVersion != VERSION) {
            throw new MalformedModelException("unsupported LSA parameter version " + loadVersion);
        }
        int fileDim = is.readInt();
        int fileDepth = is.readInt();
        boolean fileTied = is.readBoolean();
        if (fileDim != dim || fileDepth != depth || fileTied != weightTied) {
            throw new MalformedModelException("parameter file holds an LSA with D=" + fileDim + ", L=" + fileDepth
                    + (fileTied ? " (weight-tied)" : "") + " but the manifest declares D=" + dim + ", L=" + depth
                    + (weightTied ? " (weight-tied)" : ""));
        }
    }

    public int dim() {
        return dim;
    }

    public int depth() {
        return depth;
    }

    public boolean weightTied() {
        return weightTied;
    }

    /** The trainable parameters in a fixed order (layer-major, then W_Q, W_K, W_V, P). */
    public List<Parameter> orderedParameters() {
        List<Parameter> out = new ArrayList<>();
        layerParams.forEach(ps -> out.addAll(List.of(ps)));
        return out;
    }

    /** A double-precision snapshot of the current weights. */
    public LsaWeights weights() {
        float[][] values = new float[4 * layerParams.size()][];
        int i = 0;
        for (Parameter[] ps : layerParams) {
            for (Parameter p : ps) {
                values[i++] = p.getArray().toFloatArray(); // no new array in the model's manager
            }
        }
        return weightsFrom(values);
    }

    /**
     * Weights of this block's architecture from host copies of its parameters, in {@link #orderedParameters()}
     * order, each {@code D·D} floats row-major.
     */
    public LsaWeights weightsFrom(float[][] parameters) {
        if (parameters.length != 4 * layerParams.size()) {
            throw new IllegalArgumentException("LSA: " + parameters.length + " parameter arrays for "
                    + layerParams.size() + " distinct layers");
        }
        List<LsaLayerWeights> layers = new ArrayList<>();
        for (int l = 0; l < layerParams.size(); l++) {
            double[][] m = new double[4][];
            for (int k = 0; k < 4; k++) {
                float[] f = parameters[4 * l + k];
                m[k] = new double[f.length];
                for (int i = 0; i < f.length; i++) {
                    m[k][i] = f[i];
                }
            }
            layers.add(new LsaLayerWeights(dim, m[0], m[1], m[2], m[3]));
        }
        return new LsaWeights(layers, depth);
    }

    /** Runs the forward pass on {@code tokens [B, N+1, D]} with the current parameters. */
    public NDList forward(NDArray tokens, boolean keepHidden) {
        return LinearSelfAttention.forward(tokens, parameterArrays(), depth, keepHidden);
    }

    /**
     * The prediction {@code ŷ [B]} on {@code tokens [B, N+1, D]} with the current parameters, by the cheaper
     * regrouping of {@link LinearSelfAttention#predict} (what training differentiates).
     */
    public NDArray predict(NDArray tokens) {
        return LinearSelfAttention.predict(tokens, parameterArrays(), depth);
    }

    private List<NDArray[]> parameterArrays() {
        List<NDArray[]> arrays = new ArrayList<>(layerParams.size());
        for (Parameter[] ps : layerParams) {
            arrays.add(new NDArray[] {
                ps[0].getArray(), ps[1].getArray(), ps[2].getArray(), ps[3].getArray()});
        }
        return arrays;
    }

    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray tokens = inputs.singletonOrThrow();
        List<NDArray[]> arrays = new ArrayList<>(layerParams.size());
        for (Parameter[] ps : layerParams) {
            NDArray[] a = new NDArray[4];
            for (int k = 0; k < 4; k++) {
                a[k] = parameterStore.getValue(ps[k], tokens.getDevice(), training);
            }
            arrays.add(a);
        }
        boolean keepHidden = params != null && Boolean.TRUE.equals(params.get(KEEP_HIDDEN));
        return LinearSelfAttention.forward(tokens, arrays, depth, keepHidden);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0))};
    }
}
