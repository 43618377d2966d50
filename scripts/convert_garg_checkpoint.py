#!/usr/bin/python3
"""Converts a Garg et al. (2022) in-context-learning checkpoint into a folder descent reads without pickle.

Input: a run folder of github.com/dtsip/in-context-learning (as in its models.zip), holding
  state.pt     torch.save({"model_state_dict", "optimizer_state_dict", "train_step"}) of a TransformerModel
  config.yaml  model: {family: gpt2, n_dims, n_embd, n_head, n_layer, n_positions}; training: {task, data,
               task_kwargs, curriculum: {dims: {end, ...}, points: {end, ...}}, ...}
(or the path of state.pt itself, with config.yaml beside it or given with --config).

Output folder (created if needed; each file written atomically; existing files replaced only with --force):
  model.safetensors            float32 tensors under the canonical Garg names (_read_in.weight [E, d],
                               _backbone.wpe.weight [2P, E], _backbone.h.<l>.ln_1.weight, .attn.c_attn.weight
                               [E, 3E] (Conv1D, [in, out]), ..., _read_out.weight [1, E]); the buffers
                               attn.bias / attn.masked_bias and the unused token embedding _backbone.wte.weight
                               are dropped
  config.json                  {"arch": "gpt2", "layers", "heads", "width", "positions", "inputWidth",
                               "layerNormEps", "layout": "interleaved", "source": {...}}
  model.safetensors.task.json  the task in descent's sidecar format: d = n_dims, n = the curriculum's final
                               points - 1 (else n_positions - 1), inputs gaussian N(0, I), noise 0, the function
                               family of training.task, layout "interleaved"

Then: ./descent probe OUT_DIR

Needs torch (Debian: apt-get install -y python3-torch); pyyaml is used when present, else a small parser for the
block/flow YAML that Garg's runs write (JSON also works). The state dict is loaded with weights_only=True where the
torch version supports it (>= 1.13), so no code from the checkpoint runs.

Exit status: 0 on success, 2 on bad input (the message names the file and what is wrong).
"""

import argparse
import json
import os
import re
import struct
import sys
import tempfile

# Names of one block's parameters below _backbone.h.<l>. with their shapes as functions of E (model width).
BLOCK_SHAPES = [
    ("ln_1.weight", lambda e: [e]), ("ln_1.bias", lambda e: [e]),
    ("attn.c_attn.weight", lambda e: [e, 3 * e]), ("attn.c_attn.bias", lambda e: [3 * e]),
    ("attn.c_proj.weight", lambda e: [e, e]), ("attn.c_proj.bias", lambda e: [e]),
    ("ln_2.weight", lambda e: [e]), ("ln_2.bias", lambda e: [e]),
    ("mlp.c_fc.weight", lambda e: [e, 4 * e]), ("mlp.c_fc.bias", lambda e: [4 * e]),
    ("mlp.c_proj.weight", lambda e: [4 * e, e]), ("mlp.c_proj.bias", lambda e: [e]),
]
# Keys of Garg's state dict that are not parameters of the function: causal-mask buffers, unused token embedding.
DROPPED = re.compile(r"^(_backbone\.h\.\d+\.attn\.(bias|masked_bias)|_backbone\.wte\.weight)$")
# Garg's training.task -> (descent family, {descent key: (task_kwargs key, default)}).
FAMILIES = {
    "linear_regression": ("linear", {}),
    "sparse_linear_regression": ("sparse-linear", {"sparsity": ("sparsity", 3)}),
    "relu_2nn_regression": ("relu-network", {"hiddenWidth": ("hidden_layer_size", 100)}),
    "decision_tree": ("decision-tree", {"treeDepth": ("depth", 4)}),
}
LAYER_NORM_EPS = 1e-5  # GPT2Config's default layer_norm_epsilon


class InputError(Exception):
    """Bad input: reported as one line, exit status 2."""


def canonical_shapes(n_dims, n_embd, n_layer, positions):
    """Every parameter name of Garg's TransformerModel in canonical order, with its shape."""
    e = n_embd
    out = [("_read_in.weight", [e, n_dims]), ("_read_in.bias", [e]), ("_backbone.wpe.weight", [positions, e])]
    for layer in range(n_layer):
        out += [("_backbone.h.%d.%s" % (layer, name), shape(e)) for name, shape in BLOCK_SHAPES]
    out += [("_backbone.ln_f.weight", [e]), ("_backbone.ln_f.bias", [e]),
            ("_read_out.weight", [1, e]), ("_read_out.bias", [1])]
    return out


# ---------------------------------------------------------------------------------------------------------- YAML

def _scalar(text):
    t = text.strip()
    if t == "" or t in ("~", "null", "Null", "NULL"):
        return None
    if t in ("true", "True", "TRUE"):
        return True
    if t in ("false", "False", "FALSE"):
        return False
    if len(t) >= 2 and t[0] == t[-1] and t[0] in "'\"":
        return t[1:-1]
    if t.startswith("{") or t.startswith("["):
        return _flow(t)
    for cast in (int, float):
        try:
            return cast(t)
        except ValueError:
            pass
    return t


def _split_top(text, sep=","):
    parts, depth, cur, quote = [], 0, "", None
    for ch in text:
        if quote:
            cur += ch
            if ch == quote:
                quote = None
            continue
        if ch in "'\"":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        if ch == sep and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur)
    return parts


def _flow(text):
    t = text.strip()
    if t.startswith("{") and t.endswith("}"):
        out = {}
        for part in _split_top(t[1:-1]):
            key, _, value = part.partition(":")
            out[key.strip().strip("'\"")] = _scalar(value)
        return out
    if t.startswith("[") and t.endswith("]"):
        return [_scalar(p) for p in _split_top(t[1:-1])]
    raise ValueError("unbalanced flow collection: " + t)


def parse_simple_yaml(text):
    """A parser for the YAML subset Garg's runs write: nested block mappings, '- item' lists, flow {..}/[..]."""
    lines = []
    for raw in text.splitlines():
        stripped = raw.split(" #")[0].rstrip() if not raw.lstrip().startswith("#") else ""
        if stripped.strip() and stripped.strip() != "---":
            lines.append((len(stripped) - len(stripped.lstrip(" ")), stripped.strip()))

    def block(i, indent):
        if i < len(lines) and lines[i][1].startswith("- "):
            items = []
            while i < len(lines) and lines[i][0] == indent and lines[i][1].startswith("- "):
                items.append(_scalar(lines[i][1][2:]))
                i += 1
            return items, i
        out = {}
        while i < len(lines) and lines[i][0] == indent:
            line = lines[i][1]
            if ":" not in line:
                raise ValueError("expected 'key: value', got '%s'" % line)
            key, _, value = line.partition(":")
            key = key.strip().strip("'\"")
            i += 1
            if value.strip():
                out[key] = _scalar(value)
            elif i < len(lines) and (lines[i][0] > indent or (lines[i][0] == indent and lines[i][1].startswith("- "))):
                out[key], i = block(i, lines[i][0])
            else:
                out[key] = None
        return out, i

    if not lines:
        return {}
    result, end = block(0, lines[0][0])
    if end != len(lines):
        raise ValueError("unexpected indentation at '%s'" % lines[end][1])
    return result


def read_config(path):
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        raise InputError("%s: cannot be read: %s" % (path, e.strerror))
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:
        import yaml  # pyyaml, when installed
        loaded = yaml.safe_load(text)
    except ImportError:
        try:
            loaded = parse_simple_yaml(text)
        except ValueError as e:
            raise InputError("%s: not YAML this converter can read (%s); install pyyaml" % (path, e))
    except Exception as e:  # yaml.YAMLError
        raise InputError("%s: not valid YAML: %s" % (path, str(e).splitlines()[0]))
    if not isinstance(loaded, dict):
        raise InputError("%s: expected a mapping with 'model' and 'training' sections" % path)
    return loaded


# ---------------------------------------------------------------------------------------------------- the model

def _int(section, key, path, where="model"):
    value = section.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InputError("%s: %s.%s must be a positive integer, got %r" % (path, where, key, value))
    return value


def architecture(cfg, path):
    model = cfg.get("model")
    if not isinstance(model, dict):
        raise InputError("%s: no 'model' section (expected model: {family: gpt2, n_dims, n_embd, n_head, n_layer,"
                         " n_positions})" % path)
    family = model.get("family", "gpt2")
    if family != "gpt2":
        raise InputError("%s: model.family is '%s'; only Garg's gpt2 TransformerModel converts (its lstm and"
                         " baseline models are not transformers)" % (path, family))
    arch = {k: _int(model, k, path) for k in ("n_dims", "n_embd", "n_head", "n_layer", "n_positions")}
    if arch["n_embd"] % arch["n_head"]:
        raise InputError("%s: model.n_embd %d is not a multiple of model.n_head %d"
                         % (path, arch["n_embd"], arch["n_head"]))
    return arch


def task_sidecar(cfg, arch, path, n_override, warn):
    training = cfg.get("training") if isinstance(cfg.get("training"), dict) else {}
    curriculum = training.get("curriculum") if isinstance(training.get("curriculum"), dict) else {}
    points = curriculum.get("points") if isinstance(curriculum.get("points"), dict) else {}
    dims = curriculum.get("dims") if isinstance(curriculum.get("dims"), dict) else {}
    d = arch["n_dims"]
    if n_override is not None:
        n = n_override
    elif isinstance(points.get("end"), int) and points["end"] >= 2:
        n = points["end"] - 1  # Garg's n_points counts the query too
    else:
        n = arch["n_positions"] - 1
        warn("no training.curriculum.points.end in %s; using n = n_positions - 1 = %d context pairs" % (path, n))
    if n < 1 or 2 * n + 1 > 2 * arch["n_positions"]:
        raise InputError("%s: %d context pairs need %d tokens, more than the model's %d positions"
                         % (path, n, 2 * n + 1, 2 * arch["n_positions"]))
    if isinstance(dims.get("end"), int) and dims["end"] != d:
        warn("the curriculum ends at %d input dimensions but n_dims is %d: the model saw x padded with zeros;"
             " descent samples all %d dimensions" % (dims["end"], d, d))
    sidecar = {"d": d, "n": n, "inputs": "gaussian", "inputScale": 1.0, "noise": 0.0}
    data = training.get("data", "gaussian")
    if data != "gaussian":
        warn("training.data is '%s'; the sidecar says gaussian N(0, I): edit it if descent should sample otherwise"
             % data)
    task = training.get("task", "linear_regression")
    kwargs = training.get("task_kwargs") if isinstance(training.get("task_kwargs"), dict) else {}
    if task in FAMILIES:
        family, params = FAMILIES[task]
        sidecar["family"] = family
        for key, (garg_key, default) in params.items():
            sidecar[key] = kwargs.get(garg_key, default)
    else:
        sidecar["family"] = "linear"
        warn("training.task '%s' has no descent equivalent; the sidecar says family linear: edit it before probing"
             % task)
    sidecar["layout"] = "interleaved"
    return sidecar


def load_state_dict(state_path):
    import torch
    try:
        try:
            obj = torch.load(state_path, map_location="cpu", weights_only=True)
        except TypeError:  # torch < 1.13 has no weights_only
            obj = torch.load(state_path, map_location="cpu")
    except FileNotFoundError:
        raise InputError("%s: no such file" % state_path)
    except Exception as e:
        raise InputError("%s: torch.load failed: %s" % (state_path, str(e).splitlines()[0] if str(e) else type(e)))
    if isinstance(obj, dict) and "model_state_dict" in obj:
        return obj["model_state_dict"], obj.get("train_step")
    if isinstance(obj, dict) and obj and all(hasattr(v, "shape") for v in obj.values()):
        return obj, None  # a bare state dict
    raise InputError("%s: expected torch.save({'model_state_dict': ...}) or a state dict, got %s"
                     % (state_path, type(obj).__name__))


def canonical_tensors(state, arch, state_path):
    """The float32 numpy arrays under canonical names, in canonical order; the names of dropped keys."""
    import numpy as np
    renamed = {}
    for key, value in state.items():
        name = key[len("module."):] if key.startswith("module.") else key  # DataParallel prefix
        if name in renamed:
            raise InputError("%s: keys '%s' and 'module.%s' name the same parameter" % (state_path, name, name))
        renamed[name] = value
    dropped = sorted(k for k in renamed if DROPPED.match(k))
    expected = canonical_shapes(arch["n_dims"], arch["n_embd"], arch["n_layer"], 2 * arch["n_positions"])
    names = {n for n, _ in expected}
    unexpected = sorted(k for k in renamed if k not in names and k not in dropped)
    if unexpected:
        raise InputError("%s: %d unexpected keys for a %d-layer gpt2 model, e.g. %s"
                         % (state_path, len(unexpected), arch["n_layer"], ", ".join(unexpected[:4])))
    missing = [n for n, _ in expected if n not in renamed]
    if missing:
        raise InputError("%s: %d keys missing, e.g. %s (does config.yaml match the checkpoint?)"
                         % (state_path, len(missing), ", ".join(missing[:4])))
    out = []
    for name, shape in expected:
        array = renamed[name].detach().cpu().to(dtype=__import__("torch").float32).numpy()
        if list(array.shape) != shape:
            raise InputError("%s: '%s' has shape %s, expected %s" % (state_path, name, list(array.shape), shape))
        if not np.all(np.isfinite(array)):
            raise InputError("%s: '%s' holds NaN or infinite values" % (state_path, name))
        out.append((name, np.ascontiguousarray(array, dtype="<f4")))
    return out, dropped


# ---------------------------------------------------------------------------------------------------- writing

def _atomic_write(path, data, force):
    if os.path.exists(path) and not force:
        raise InputError("%s: exists; pass --force to replace it" % path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".partial", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file the permissions open() would
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def safetensors_bytes(tensors, metadata):
    """The safetensors encoding: 8-byte little-endian header length, JSON header (padded to 8), raw data."""
    header, offset, blobs = {}, 0, []
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    for name, array in tensors:
        blob = array.tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


def _sha256(path):
    import hashlib
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _json_bytes(obj):
    return (json.dumps(obj, indent=2) + "\n").encode("utf-8")


def convert(source, out_dir, config_path=None, n_override=None, force=False, warn=None):
    """Converts; returns the paths written. Raises InputError on bad input."""
    warn = warn or (lambda message: print("convert_garg_checkpoint: warning: " + message, file=sys.stderr))
    state_path = os.path.join(source, "state.pt") if os.path.isdir(source) else source
    if not os.path.isfile(state_path):
        raise InputError("%s: no such file (give the run folder holding state.pt and config.yaml, or state.pt)"
                         % state_path)
    if config_path is None:
        config_path = os.path.join(os.path.dirname(state_path), "config.yaml")
    if not os.path.isfile(config_path):
        raise InputError("%s: no such file (Garg's runs keep config.yaml beside state.pt; or pass --config)"
                         % config_path)
    cfg = read_config(config_path)
    arch = architecture(cfg, config_path)
    sidecar = task_sidecar(cfg, arch, config_path, n_override, warn)
    state, train_step = load_state_dict(state_path)
    tensors, dropped = canonical_tensors(state, arch, state_path)
    source_info = {"format": "garg-state-dict", "state": state_path, "state_sha256": _sha256(state_path),
                   "config": config_path, "dropped": dropped}
    if train_step is not None:
        source_info["train_step"] = int(train_step)
    config = {"arch": "gpt2", "layers": arch["n_layer"], "heads": arch["n_head"], "width": arch["n_embd"],
              "positions": 2 * arch["n_positions"], "inputWidth": arch["n_dims"], "layerNormEps": LAYER_NORM_EPS,
              "layout": "interleaved", "source": source_info}
    os.makedirs(out_dir, exist_ok=True)
    written = [os.path.join(out_dir, "model.safetensors"), os.path.join(out_dir, "config.json"),
               os.path.join(out_dir, "model.safetensors.task.json")]
    if not force:
        for path in written:
            if os.path.exists(path):
                raise InputError("%s: exists; pass --force to replace it" % path)
    metadata = {"converted_by": "scripts/convert_garg_checkpoint.py", "source_format": "garg-state-dict"}
    _atomic_write(written[0], safetensors_bytes(tensors, metadata), force)
    _atomic_write(written[1], _json_bytes(config), force)
    _atomic_write(written[2], _json_bytes(sidecar), force)
    return written, dropped


def main(argv=None):
    p = argparse.ArgumentParser(description="Convert a Garg et al. state.pt + config.yaml into model.safetensors,"
                                " config.json and a task sidecar that ./descent probe reads.")
    p.add_argument("source", help="the run folder (state.pt + config.yaml) or the state.pt file")
    p.add_argument("out_dir", help="output folder (created when missing)")
    p.add_argument("--config", help="config.yaml when it is not beside state.pt")
    p.add_argument("--n", type=int, help="context pairs N for the sidecar (default: curriculum points end - 1)")
    p.add_argument("--force", action="store_true", help="replace existing output files")
    args = p.parse_args(argv)
    try:
        written, dropped = convert(args.source, args.out_dir, args.config, args.n, args.force)
    except InputError as e:
        print("convert_garg_checkpoint: " + str(e), file=sys.stderr)
        return 2
    except ImportError as e:
        print("convert_garg_checkpoint: %s; install torch once (Debian: sudo apt-get install -y python3-torch)"
              % e, file=sys.stderr)
        return 2
    if dropped:
        print("convert_garg_checkpoint: dropped %d buffers that are not parameters (%s)"
              % (len(dropped), ", ".join(dropped[:3]) + (", ..." if len(dropped) > 3 else "")), file=sys.stderr)
    for path in written:
        print(path)
    print("next: check %s, then ./descent probe %s" % (written[2], args.out_dir), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
