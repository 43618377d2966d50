#!/usr/bin/python3
"""Builds models/fixtures/garg-tiny/: a tiny Garg et al. (2022) GPT-2 regressor, saved the way their code saves it
and converted by scripts/convert_garg_checkpoint.py, plus torch reference outputs for descent's Java forward pass.

How to run (from the repository root; needs only torch and numpy, e.g. Debian's python3-torch and python3-numpy;
no `transformers`, no download):

    sudo apt-get install -y python3-torch python3-numpy
    /usr/bin/python3 scripts/make_gpt2_fixture.py             # writes models/fixtures/garg-tiny/
    /usr/bin/python3 scripts/make_gpt2_fixture.py --out DIR   # writes elsewhere

The model is Garg's TransformerModel re-implemented in plain torch with the same module names, so its state dict has
exactly their keys: _read_in (Linear d -> E), _backbone.wte (unused token embedding), _backbone.wpe (learned
positions), _backbone.h.<l>.{ln_1, attn.c_attn, attn.c_proj, ln_2, mlp.c_fc, mlp.c_proj} (Conv1D weights [in, out]),
the causal-mask buffers _backbone.h.<l>.attn.bias and .attn.masked_bias, _backbone.ln_f and _read_out (Linear E -> 1).
Sizes: d = 3, E = 16, 2 layers, 2 heads, n_positions = 6 points (12 learned positions), N = 5 context pairs.
Every parameter is seeded away from its default (LayerNorm gains != 1, biases != 0) so that each one matters.

Written to OUT (default models/fixtures/garg-tiny/):
  garg-run/state.pt, garg-run/config.yaml  the checkpoint as Garg's train.py writes it (pickled; descent refuses it)
  model.safetensors, config.json, model.safetensors.task.json
                                            made from garg-run/ by scripts/convert_garg_checkpoint.py
  reference.npz                             B = 4 seeded prompts (x ~ N(0, I_d), w ~ N(0, I_d), y = x.w) and the
                                            torch forward at every token:
      xs [B, N+1, d] float32, ys [B, N+1] float32 (ys[:, N] is the query's label, never shown to the model)
      tokens [B, N+1, d+1] float32  descent's canonical prompt: rows [x_i, y_i], query row [x_q, 0]
      outputs32 [B, 2N+1] float32   read-out at every token of x_1, y_1, ..., x_N, y_N, x_q (float32 forward)
      outputs64 [B, 2N+1] float64   the same forward in float64 (parameters cast from float32)
      predictions32 [B, N+1]        outputs32[:, ::2]: the prediction after k = 0..N pairs (Garg's [:, ::2, 0])
"""

import argparse
import math
import os
import sys

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import convert_garg_checkpoint  # noqa: E402  (the converter under test)

D, EMBD, LAYERS, HEADS, POINTS = 3, 16, 2, 2, 6  # n_dims, n_embd, n_layer, n_head, n_positions (points per prompt)
N = POINTS - 1  # context pairs
VOCAB = 8  # size of the unused token embedding (GPT-2's is 50257; only its presence matters)
PROMPTS = 4
SEED = 20221205


class Conv1D(nn.Module):
    """Hugging Face's Conv1D: y = x W + b with W [in, out]."""

    def __init__(self, n_in, n_out):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(n_in, n_out) * 0.3)
        self.bias = nn.Parameter(torch.randn(n_out) * 0.1)

    def forward(self, x):
        return x @ self.weight + self.bias


class Attention(nn.Module):
    def __init__(self, positions):
        super().__init__()
        self.c_attn = Conv1D(EMBD, 3 * EMBD)
        self.c_proj = Conv1D(EMBD, EMBD)
        # GPT-2's causal-mask buffers, saved in the state dict although they are not parameters
        self.register_buffer("bias", torch.tril(torch.ones(positions, positions, dtype=torch.uint8))
                             .view(1, 1, positions, positions))
        self.register_buffer("masked_bias", torch.tensor(-1e4))

    def forward(self, x):  # x [B, T, E]
        b, t, e = x.shape
        hw = e // HEADS
        q, k, v = self.c_attn(x).split(e, dim=2)  # each [B, T, E]
        q, k, v = (a.view(b, t, HEADS, hw).transpose(1, 2) for a in (q, k, v))  # [B, H, T, h]
        scores = q @ k.transpose(-1, -2) / math.sqrt(hw)  # [B, H, T, T]
        causal = self.bias[:, :, :t, :t].bool()
        scores = torch.where(causal, scores, torch.tensor(torch.finfo(scores.dtype).min, dtype=scores.dtype))
        mixed = scores.softmax(-1) @ v  # [B, H, T, h]
        return self.c_proj(mixed.transpose(1, 2).reshape(b, t, e))


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.c_fc = Conv1D(EMBD, 4 * EMBD)
        self.c_proj = Conv1D(4 * EMBD, EMBD)

    def forward(self, x):
        return self.c_proj(gelu_new(self.c_fc(x)))


class Block(nn.Module):
    def __init__(self, positions):
        super().__init__()
        self.ln_1 = nn.LayerNorm(EMBD, eps=1e-5)
        self.attn = Attention(positions)
        self.ln_2 = nn.LayerNorm(EMBD, eps=1e-5)
        self.mlp = Mlp()

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class Backbone(nn.Module):
    """GPT2Model fed inputs_embeds: learned positions, pre-LN blocks, final LayerNorm; wte is never used."""

    def __init__(self, positions):
        super().__init__()
        self.wte = nn.Embedding(VOCAB, EMBD)
        self.wpe = nn.Embedding(positions, EMBD)
        self.h = nn.ModuleList([Block(positions) for _ in range(LAYERS)])
        self.ln_f = nn.LayerNorm(EMBD, eps=1e-5)

    def forward(self, embeds):  # [B, T, E]
        x = embeds + self.wpe(torch.arange(embeds.shape[1]))
        for block in self.h:
            x = block(x)
        return self.ln_f(x)


class TransformerModel(nn.Module):
    """Garg et al.'s TransformerModel: _read_in, GPT-2 _backbone (2 * n_positions positions), _read_out."""

    def __init__(self):
        super().__init__()
        self._read_in = nn.Linear(D, EMBD)
        self._backbone = Backbone(2 * POINTS)
        self._read_out = nn.Linear(EMBD, 1)

    @staticmethod
    def combine(xs, ys):
        """Garg's _combine: x_1, [y_1, 0, ...], x_2, ... -> [B, 2 * points, d]."""
        b, points, d = xs.shape
        ys_wide = torch.cat((ys.view(b, points, 1), torch.zeros(b, points, d - 1, dtype=xs.dtype)), dim=2)
        return torch.stack((xs, ys_wide), dim=2).view(b, 2 * points, d)

    def outputs(self, tokens):  # [B, T, d] -> [B, T]
        return self._read_out(self._backbone(self._read_in(tokens)))[:, :, 0]

    def forward(self, xs, ys):
        return self.outputs(self.combine(xs, ys))[:, ::2]  # Garg's prediction at every x


def seeded_model():
    torch.manual_seed(SEED)
    model = TransformerModel()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if ".ln_" in name or name.startswith("_backbone.ln_f"):
                p.add_(torch.randn_like(p) * 0.2)  # gains around 1, biases around 0, neither at its default
            elif name == "_backbone.wpe.weight":
                p.mul_(0.3)
    return model.eval()


def garg_config_yaml():
    return "\n".join([
        "# as written by Garg et al.'s train.py (tiny sizes for a test fixture)",
        "model:",
        "  family: gpt2",
        "  n_dims: %d" % D,
        "  n_embd: %d" % EMBD,
        "  n_head: %d" % HEADS,
        "  n_layer: %d" % LAYERS,
        "  n_positions: %d" % POINTS,
        "out_dir: ../models/garg-tiny",
        "test_run: false",
        "training:",
        "  batch_size: 64",
        "  curriculum:",
        "    dims: {end: %d, inc: 1, interval: 2000, start: %d}" % (D, D),
        "    points: {end: %d, inc: 2, interval: 2000, start: %d}" % (POINTS, POINTS),
        "  data: gaussian",
        "  learning_rate: 0.0001",
        "  num_tasks: null",
        "  save_every_steps: 1000",
        "  task: linear_regression",
        "  task_kwargs: {}",
        "  train_steps: 0",
        "",
    ])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join("models", "fixtures", "garg-tiny"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    model = seeded_model()
    run = os.path.join(args.out, "garg-run")
    os.makedirs(run, exist_ok=True)
    torch.save({"model_state_dict": model.state_dict(), "optimizer_state_dict": {}, "train_step": 0},
               os.path.join(run, "state.pt"))
    with open(os.path.join(run, "config.yaml"), "w", encoding="utf-8") as f:
        f.write(garg_config_yaml())
    written, dropped = convert_garg_checkpoint.convert(run, args.out, force=True)
    # the converter must drop exactly the buffers and wte
    assert dropped == sorted(["_backbone.wte.weight"] + ["_backbone.h.%d.attn.%s" % (l, b)
                                                          for l in range(LAYERS) for b in ("bias", "masked_bias")])

    g = torch.Generator().manual_seed(SEED + 1)
    xs = torch.randn(PROMPTS, N + 1, D, generator=g)  # [B, N+1, d]
    w = torch.randn(PROMPTS, D, 1, generator=g)  # [B, d, 1]
    ys = (xs @ w)[:, :, 0]  # [B, N+1]
    with torch.no_grad():
        tokens32 = model.combine(xs, ys)[:, : 2 * N + 1]  # [B, 2N+1, d]: the query's label token dropped
        outputs32 = model.outputs(tokens32)  # [B, 2N+1]
        full = model(xs, ys)  # Garg's forward on the full combined sequence, [B, N+1]
        assert torch.equal(full, outputs32[:, ::2]) or torch.allclose(full, outputs32[:, ::2], atol=1e-6)
        outputs64 = model.double().outputs(tokens32.double())
    canonical = torch.cat((xs, ys.unsqueeze(2)), dim=2)  # [B, N+1, d+1]
    canonical[:, N, D] = 0.0
    np.savez(os.path.join(args.out, "reference.npz"),
             xs=xs.numpy(), ys=ys.numpy(), tokens=canonical.numpy(),
             outputs32=outputs32.numpy(), outputs64=outputs64.numpy(), predictions32=outputs32[:, ::2].numpy())
    for path in written + [os.path.join(run, "state.pt"), os.path.join(run, "config.yaml"),
                           os.path.join(args.out, "reference.npz")]:
        print(path, os.path.getsize(path), "bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
