#!/usr/bin/python3
"""Builds the small TorchScript test fixtures in models/fixtures/ (foreign-checkpoint probes, README, Contracts).

How to run (from the repository root; needs Debian's python3-torch, torch 1.13, NOT a pyenv/venv python):

    apt-get update && apt-get install -y python3-torch
    /usr/bin/python3 scripts/make_fixtures.py            # writes models/fixtures/
    /usr/bin/python3 scripts/make_fixtures.py --out DIR  # writes elsewhere

Every fixture is seeded and the script re-executes itself with PYTHONHASHSEED=0, so regenerating gives
byte-identical files (same torch build, same checkout path: TorchScript debug info records the source path).
The whole run takes about 20 s on one CPU core. Each model file `<name>.pt` gets a task sidecar `<name>.pt.task.json` with exactly the keys d, n, inputs, inputScale, noise.

Contract of every TorchScript fixture (README, Contracts): `forward(tokens: float32 [B, N+1, D]) -> float32 [B]`,
rows 0..N-1 are context tokens [x_i, y_i], row N is the query [x_q, 0]; the models also export
`forward_with_hidden(tokens) -> (preds [B], hidden [L+1, B, N+1, D_h])` with hidden[0] the input to layer 1.

Fixtures:
  lsa_gd.pt              1-layer LSA = one GD step with the closed-form optimal step size η* of its task
  lsa_pgd.pt             1-layer LSA = preconditioned GD ŷ = x_qᵀ Γ h; Γ (from the stored float32 weights,
                         computed in float64) in lsa_pgd.gamma.json as {"gamma": [[...]]}
  softmax_tf.pt          2-layer pre-LayerNorm softmax transformer with MLP and (inactive in eval) dropout,
                         trained briefly on its task; width D_h = 16
  random_model.pt        1-layer LSA with seeded random weights
  pickled_state_dict.pt  torch.save(state_dict) of a 1-layer LSA: NOT TorchScript; descent must refuse it
  wrong_output.pt        TorchScript whose forward returns [B, 1] instead of [B]: descent must refuse it
  lsa_stacked.pt         2-layer LSA = 2 GD steps (η*, η*/2) whose parameters are stacked over layers: W_Q, W_K,
                         W_V, P each [L, D, D] (one parameter per matrix kind, no per-layer modules)

--only NAME (repeatable; lsa_gd.pt or lsa_stacked.pt) writes just those fixtures and leaves the others untouched.
"""

import argparse
import json
import os
import sys
from typing import List, Tuple

import torch
from torch import Tensor, nn

D_IN = 4  # d, input dimension of every fixture task
N_CTX = 8  # N, context examples per prompt


class LsaLayer(nn.Module):
    """One linear-self-attention layer, weights W_Q, W_K, W_V, P each [D, D] (column-vector convention).

    e_j <- e_j + P W_V sum_{i<N} e_i (e_i^T W_K^T W_Q e_j) / N, for all N+1 tokens; keys/values from context only.
    Row form on z [B, T, D]: z <- z + z (W_K^T W_Q)^T C (P W_V)^T with C = z_c^T z_c / N [B, D, D].
    """

    def __init__(self, w_q: Tensor, w_k: Tensor, w_v: Tensor, p: Tensor):
        super().__init__()
        self.W_Q = nn.Parameter(w_q.clone().float())
        self.W_K = nn.Parameter(w_k.clone().float())
        self.W_V = nn.Parameter(w_v.clone().float())
        self.P = nn.Parameter(p.clone().float())

    def forward(self, z: Tensor) -> Tensor:
        n = z.shape[1] - 1
        zc = z[:, :n, :]  # [B, N, D]
        c = torch.matmul(zc.transpose(1, 2), zc) / n  # [B, D, D]
        kq_t = torch.matmul(self.W_Q.t(), self.W_K)  # (W_K^T W_Q)^T, [D, D]
        pv_t = torch.matmul(self.W_V.t(), self.P.t())  # (P W_V)^T, [D, D]
        return z + torch.matmul(torch.matmul(torch.matmul(z, kq_t), c), pv_t)


class LsaModel(nn.Module):
    """A stack of LSA layers with von Oswald's readout ŷ = −z[:, N, d]."""

    def __init__(self, layers: List[LsaLayer]):
        super().__init__()
        self.layers = nn.ModuleList(layers)

    def forward(self, tokens: Tensor) -> Tensor:
        z = tokens
        for layer in self.layers:
            z = layer(z)
        return -z[:, -1, -1]

    @torch.jit.export
    def forward_with_hidden(self, tokens: Tensor) -> Tuple[Tensor, Tensor]:
        z = tokens
        hidden: List[Tensor] = [z]
        for layer in self.layers:
            z = layer(z)
            hidden.append(z)
        return -z[:, -1, -1], torch.stack(hidden)  # [B], [L+1, B, T, D]


class StackedLsaModel(nn.Module):
    """L LSA layers whose weights are stacked over layers: W_Q, W_K, W_V, P each [L, D, D]; readout ŷ = −z[:, N, d]."""

    def __init__(self, w_q: Tensor, w_k: Tensor, w_v: Tensor, p: Tensor):
        super().__init__()
        self.W_Q = nn.Parameter(w_q.clone().float())
        self.W_K = nn.Parameter(w_k.clone().float())
        self.W_V = nn.Parameter(w_v.clone().float())
        self.P = nn.Parameter(p.clone().float())

    def step(self, z: Tensor, layer: int) -> Tensor:
        n = z.shape[1] - 1
        zc = z[:, :n, :]  # [B, N, D]
        c = torch.matmul(zc.transpose(1, 2), zc) / n  # [B, D, D]
        kq_t = torch.matmul(self.W_Q[layer].t(), self.W_K[layer])  # (W_K^T W_Q)^T
        pv_t = torch.matmul(self.W_V[layer].t(), self.P[layer].t())  # (P W_V)^T
        return z + torch.matmul(torch.matmul(torch.matmul(z, kq_t), c), pv_t)

    def forward(self, tokens: Tensor) -> Tensor:
        z = tokens
        for layer in range(self.W_Q.shape[0]):
            z = self.step(z, layer)
        return -z[:, -1, -1]

    @torch.jit.export
    def forward_with_hidden(self, tokens: Tensor) -> Tuple[Tensor, Tensor]:
        z = tokens
        hidden: List[Tensor] = [z]
        for layer in range(self.W_Q.shape[0]):
            z = self.step(z, layer)
            hidden.append(z)
        return -z[:, -1, -1], torch.stack(hidden)


class SoftmaxBlock(nn.Module):
    """Pre-LN block: z += Attn(LN(z)); z += MLP(LN(z)). Every token attends to the N context tokens only."""

    def __init__(self, width: int, heads: int, dropout: float):
        super().__init__()
        self.heads = heads
        self.head_dim = width // heads
        self.ln_attn = nn.LayerNorm(width)
        self.qkv = nn.Linear(width, 3 * width)
        self.out = nn.Linear(width, width)
        self.ln_mlp = nn.LayerNorm(width)
        self.mlp_in = nn.Linear(width, 4 * width)
        self.mlp_out = nn.Linear(4 * width, width)
        self.drop = nn.Dropout(dropout)

    def forward(self, z: Tensor) -> Tensor:
        b, t, w = z.shape[0], z.shape[1], z.shape[2]
        n = t - 1
        q, k, v = self.qkv(self.ln_attn(z)).chunk(3, dim=-1)  # each [B, T, W]
        q = q.reshape(b, t, self.heads, self.head_dim).transpose(1, 2)  # [B, H, T, hd]
        k = k[:, :n, :].reshape(b, n, self.heads, self.head_dim).transpose(1, 2)  # [B, H, N, hd]
        v = v[:, :n, :].reshape(b, n, self.heads, self.head_dim).transpose(1, 2)  # [B, H, N, hd]
        att = torch.softmax(torch.matmul(q, k.transpose(2, 3)) / (self.head_dim ** 0.5), dim=-1)  # [B, H, T, N]
        a = torch.matmul(self.drop(att), v).transpose(1, 2).reshape(b, t, w)
        z = z + self.drop(self.out(a))
        return z + self.drop(self.mlp_out(torch.nn.functional.gelu(self.mlp_in(self.ln_mlp(z)))))


class SoftmaxTransformer(nn.Module):
    """Embed D -> D_h, L softmax blocks, final LayerNorm, linear readout of the query token: ŷ [B]."""

    def __init__(self, token_dim: int, width: int, depth: int, heads: int, dropout: float):
        super().__init__()
        self.embed = nn.Linear(token_dim, width)
        self.blocks = nn.ModuleList([SoftmaxBlock(width, heads, dropout) for _ in range(depth)])
        self.ln_final = nn.LayerNorm(width)
        self.readout = nn.Linear(width, 1)

    def forward(self, tokens: Tensor) -> Tensor:
        z = self.embed(tokens)
        for block in self.blocks:
            z = block(z)
        return self.readout(self.ln_final(z[:, -1, :])).squeeze(-1)

    @torch.jit.export
    def forward_with_hidden(self, tokens: Tensor) -> Tuple[Tensor, Tensor]:
        z = self.embed(tokens)  # hidden[0]: the input to the first block, [B, T, D_h]
        hidden: List[Tensor] = [z]
        for block in self.blocks:
            z = block(z)
            hidden.append(z)
        return self.readout(self.ln_final(z[:, -1, :])).squeeze(-1), torch.stack(hidden)


class WrongOutput(nn.Module):
    """Breaks the output contract on purpose: predictions of shape [B, 1] instead of [B]."""

    def __init__(self, token_dim: int):
        super().__init__()
        self.readout = nn.Linear(token_dim, 1)

    def forward(self, tokens: Tensor) -> Tensor:
        return self.readout(tokens[:, -1, :])  # [B, 1]


def task(d: int, n: int, inputs: str, scale: float, noise: float) -> dict:
    return {"d": d, "n": n, "inputs": inputs, "inputScale": float(scale), "noise": float(noise)}


def optimal_step(t: dict) -> float:
    """η* = N / (s (N + κ + d − 2) + σ²) for isotropic inputs (README, Closed forms)."""
    a = t["inputScale"]
    s, kappa = (a * a / 3.0, 9.0 / 5.0) if t["inputs"] == "uniform" else (a * a, 3.0)
    return t["n"] / (s * (t["n"] + kappa + t["d"] - 2) + t["noise"] ** 2)


def sample_prompts(t: dict, batch: int, gen: torch.Generator) -> Tuple[Tensor, Tensor]:
    """Linear-regression prompts of task t: tokens [B, N+1, D] (query label slot 0), targets [B]."""
    d, n = t["d"], t["n"]
    if t["inputs"] == "uniform":
        x = (torch.rand(batch, n + 1, d, generator=gen) * 2 - 1) * t["inputScale"]
    else:
        x = torch.randn(batch, n + 1, d, generator=gen) * t["inputScale"]
    w = torch.randn(batch, d, 1, generator=gen)
    y = torch.matmul(x, w).squeeze(-1) + t["noise"] * torch.randn(batch, n + 1, generator=gen)  # [B, N+1]
    tokens = torch.cat([x, y.unsqueeze(-1)], dim=-1)
    tokens[:, -1, -1] = 0.0
    return tokens, y[:, -1]


def x_block(m: Tensor, dim: int) -> Tensor:
    """[[m, 0], [0, 0]] of size [dim+1, dim+1]."""
    out = torch.zeros(dim + 1, dim + 1, dtype=torch.float64)
    out[:dim, :dim] = m
    return out


def gd_model(t: dict) -> LsaModel:
    d = t["d"]
    eta = optimal_step(t)
    w_v = torch.zeros(d + 1, d + 1, dtype=torch.float64)
    w_v[d, d] = -eta
    ident = x_block(torch.eye(d, dtype=torch.float64), d)
    return LsaModel([LsaLayer(ident, ident, w_v, torch.eye(d + 1, dtype=torch.float64))])


def stacked_gd_model(t: dict) -> StackedLsaModel:
    """Two GD steps with η* then η*/2, every matrix kind one [2, D, D] parameter."""
    d = t["d"]
    eta = optimal_step(t)
    ident = x_block(torch.eye(d, dtype=torch.float64), d)
    w_v = torch.zeros(2, d + 1, d + 1, dtype=torch.float64)
    w_v[0, d, d] = -eta
    w_v[1, d, d] = -eta / 2
    stack = torch.stack([ident, ident])
    return StackedLsaModel(stack, stack, w_v, torch.eye(d + 1, dtype=torch.float64).repeat(2, 1, 1))


def pgd_model(t: dict, gen: torch.Generator) -> Tuple[LsaModel, Tensor]:
    """1-layer LSA with Γ = −v Aᵀ, A = (W_KᵀW_Q)[:d,:d], v = (P W_V)[d,d]; returns the model and its Γ (float64)."""
    d = t["d"]
    q, _ = torch.linalg.qr(torch.randn(d, d, generator=gen, dtype=torch.float64))
    spectrum = torch.linspace(0.5, 2.0, d, dtype=torch.float64)
    skew = torch.randn(d, d, generator=gen, dtype=torch.float64)
    gamma = q @ torch.diag(spectrum) @ q.t() + 0.15 * (skew - skew.t())  # SPD + small antisymmetric part
    v = -0.8
    a = -gamma.t() / v  # so that −v Aᵀ = Γ
    r = torch.eye(d, dtype=torch.float64) + 0.3 * torch.randn(d, d, generator=gen, dtype=torch.float64)
    w_k = x_block(r, d)  # W_K x-block R
    w_q = x_block(torch.linalg.solve(r.t(), a), d)  # W_Q x-block R⁻ᵀ A, so W_KᵀW_Q = [[A, 0], [0, 0]]
    p = torch.eye(d + 1, dtype=torch.float64) * 2.0
    w_v = torch.zeros(d + 1, d + 1, dtype=torch.float64)
    w_v[d, d] = v / 2.0  # (P W_V)[d, d] = v
    model = LsaModel([LsaLayer(w_q, w_k, w_v, p)])
    layer = model.layers[0]
    kq = layer.W_K.detach().double().t() @ layer.W_Q.detach().double()
    pv = layer.P.detach().double() @ layer.W_V.detach().double()
    effective = -pv[d, d] * kq[:d, :d].t()  # Γ of the stored float32 weights, in float64
    return model, effective


def random_lsa(t: dict, gen: torch.Generator) -> LsaModel:
    dim = t["d"] + 1
    w = [0.5 * torch.randn(dim, dim, generator=gen, dtype=torch.float64) for _ in range(4)]
    return LsaModel([LsaLayer(*w)])


def softmax_model(t: dict, seed: int, steps: int) -> SoftmaxTransformer:
    torch.manual_seed(seed)
    model = SoftmaxTransformer(t["d"] + 1, width=16, depth=2, heads=2, dropout=0.1)
    gen = torch.Generator().manual_seed(seed + 1)
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    model.train()
    for step in range(steps):
        tokens, y = sample_prompts(t, 256, gen)
        loss = torch.mean((model(tokens) - y) ** 2)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 100 == 0 or step == steps - 1:
            print(f"  softmax_tf step {step:4d}  train MSE {loss.item():.4f}")
    return model.eval()


def save(model: nn.Module, t: dict, out: str, name: str) -> str:
    path = os.path.join(out, name)
    scripted = torch.jit.script(model.eval())
    scripted.save(path)
    check = torch.jit.load(path)
    tokens, _ = sample_prompts(t, 3, torch.Generator().manual_seed(0))
    preds = check(tokens)
    preds_h, hidden = check.forward_with_hidden(tokens)
    assert preds.shape == (3,) and preds.dtype == torch.float32, (name, preds.shape, preds.dtype)
    assert torch.equal(preds, preds_h), name
    assert hidden.shape[1:3] == (3, t["n"] + 1), (name, hidden.shape)
    write_sidecar(path, t)
    return path


def write_sidecar(path: str, t: dict) -> None:
    with open(path + ".task.json", "w") as f:
        json.dump(t, f, indent=2)
        f.write("\n")


def main() -> None:
    if os.environ.get("PYTHONHASHSEED") != "0":
        # TorchScript code generation orders some constants by string hash: fix the hash seed so that the files are
        # byte-identical from run to run.
        os.execve(sys.executable, [sys.executable] + sys.argv, dict(os.environ, PYTHONHASHSEED="0"))
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=os.path.join(root, "models", "fixtures"))
    parser.add_argument("--softmax-steps", type=int, default=600)
    parser.add_argument("--only", action="append", metavar="NAME", help="write only this fixture, lsa_gd.pt or lsa_stacked.pt (repeatable)")
    args = parser.parse_args()

    def want(name: str) -> bool:
        return args.only is None or name in args.only

    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(1)
    written = []

    gd_task = task(D_IN, N_CTX, "uniform", 1.0, 0.0)
    if want("lsa_gd.pt"):
        written.append(save(gd_model(gd_task), gd_task, args.out, "lsa_gd.pt"))
        print(f"lsa_gd.pt: η* = {optimal_step(gd_task):.6f}")
    if want("lsa_stacked.pt"):
        written.append(save(stacked_gd_model(gd_task), gd_task, args.out, "lsa_stacked.pt"))
    if args.only is not None:
        for path in written:
            print(f"{os.path.relpath(path, root)}: {os.path.getsize(path)} bytes")
        return

    pgd_task = task(D_IN, N_CTX, "gaussian", 1.0, 0.1)
    model, gamma = pgd_model(pgd_task, torch.Generator().manual_seed(1234))
    written.append(save(model, pgd_task, args.out, "lsa_pgd.pt"))
    with open(os.path.join(args.out, "lsa_pgd.gamma.json"), "w") as f:
        json.dump({"gamma": gamma.tolist()}, f, indent=2)
        f.write("\n")
    tokens, _ = sample_prompts(pgd_task, 64, torch.Generator().manual_seed(5))
    x, y, xq = tokens[:, :-1, :-1].double(), tokens[:, :-1, -1].double(), tokens[:, -1, :-1].double()
    h = torch.einsum("bi,bik->bk", y, x) / N_CTX
    expected = torch.einsum("bk,kl,bl->b", xq, gamma, h)
    err = (model(tokens).double() - expected).abs().max().item()
    print(f"lsa_pgd.pt: max |LSA − x_qᵀΓh| = {err:.2e}")
    assert err < 1e-4

    tf_task = task(D_IN, N_CTX, "uniform", 1.0, 0.0)
    written.append(save(softmax_model(tf_task, seed=7, steps=args.softmax_steps), tf_task, args.out, "softmax_tf.pt"))

    random_task = task(D_IN, N_CTX, "uniform", 1.0, 0.0)
    written.append(save(random_lsa(random_task, torch.Generator().manual_seed(99)), random_task, args.out,
                        "random_model.pt"))

    pickled = os.path.join(args.out, "pickled_state_dict.pt")
    torch.save(random_lsa(random_task, torch.Generator().manual_seed(99)).state_dict(), pickled)
    write_sidecar(pickled, random_task)
    written.append(pickled)

    wrong = os.path.join(args.out, "wrong_output.pt")
    torch.manual_seed(3)
    torch.jit.script(WrongOutput(D_IN + 1).eval()).save(wrong)
    write_sidecar(wrong, random_task)
    written.append(wrong)

    for path in written:
        size = os.path.getsize(path)
        assert size < 200 * 1024, (path, size)
        print(f"{os.path.relpath(path, root)}: {size} bytes")


if __name__ == "__main__":
    main()
