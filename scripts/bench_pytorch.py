#!/usr/bin/env python3
"""Plain PyTorch eager reference for `descent bench`: the same training step, written the way a researcher would
write it in PyTorch, timed the same way, printing the same keys.

Model and training (the README's Contracts): an L-layer linear-self-attention transformer on tokens
z_i = [x_i, y_i] (query label slot 0), per layer Z <- Z + Z (W_K^T W_Q)^T C (P W_V)^T with C = Zc^T Zc / N over
the N context rows, readout y_hat = -Z[:, N, d]; x ~ U(-1, 1)^d, w ~ N(0, I), d = N = 10, batch 2048, MSE loss,
Adam (lr 1e-3), gradient clipping at norm 10. One timed step = sample a batch, forward, backward, clip, Adam.

Two formulations (--formulation):
  all-tokens  every layer updates all N+1 tokens, the prediction is read off the last one;
  query-only  the same, except that the last layer computes only the query token's update, the only row that
              reaches the loss (the faster of the two eager scripts a user would write).

--arch gpt2: Garg et al.'s GPT-2 regressor as descent trains it (`descent bench --arch gpt2`): Garg's interleaved
layout x_1, [y_1, 0...], ..., x_q (T = 2N+1 tokens of width d), a linear read-in, learned positions, L pre-LayerNorm
blocks (causal softmax attention with H heads, a gelu_new MLP of width 4E), a final LayerNorm and a linear read-out;
x ~ N(0, I_d), w ~ N(0, I_d); loss = mean over prompts and all N+1 prefix positions of (y_hat_k - y_{k+1})^2; Adam,
clipping at norm 10. Eager code as the Hugging Face GPT-2 computes it (one formulation, reported as "eager").
    /usr/bin/python3 scripts/bench_pytorch.py --threads 1 --arch gpt2 --layers 3 --heads 2 --width 64 --d 5 --n 10 --batch 64

Run with Debian's torch (apt-get install python3-torch) or any torch >= 1.13:
    /usr/bin/python3 scripts/bench_pytorch.py --threads 1 --formulation query-only
`scripts/bench_side_by_side.sh` runs it interleaved with `./descent bench` and prints the ratios.
Not used by the build or the tests.
"""
import argparse
import json
import resource
import statistics
import time

import torch


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--measure", type=int, default=300)
    ap.add_argument("--warmup", type=int, default=30)
    ap.add_argument("--batch", type=int, default=2048)
    ap.add_argument("--layers", type=int, default=1)
    ap.add_argument("--formulation", choices=["all-tokens", "query-only"], default="query-only")
    ap.add_argument("--arch", choices=["lsa", "gpt2"], default="lsa")
    ap.add_argument("--heads", type=int, default=2)
    ap.add_argument("--width", type=int, default=64)
    ap.add_argument("--d", type=int, default=None, help="input dimension (default: 10 for lsa, 5 for gpt2)")
    ap.add_argument("--n", type=int, default=None, help="context pairs (default: 10)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(0)
    if args.arch == "gpt2":
        return gpt2(args)
    d, n, b, layers = 10, 10, args.batch, args.layers
    dim = d + 1
    # per layer W_Q, W_K, W_V, P
    params = [torch.nn.Parameter(0.1 * torch.randn(dim, dim)) for _ in range(4 * layers)]
    opt = torch.optim.Adam(params, lr=1e-3)
    mask = torch.ones(n + 1)
    mask[-1] = 0
    query_only = args.formulation == "query-only"

    def step():
        x = torch.rand(b, n + 1, d) * 2 - 1
        w = torch.randn(b, d, 1)
        y = (x @ w).squeeze(2)
        z = torch.cat([x, (y * mask).unsqueeze(2)], dim=2)
        for layer in range(layers):
            wq, wk, wv, p = params[4 * layer:4 * layer + 4]
            zc = z[:, :-1, :]
            c = zc.transpose(1, 2) @ zc / n
            if query_only and layer == layers - 1:
                q = z[:, -1:, :]  # [B, 1, D]
                z = q + q @ (wk.t() @ wq).t() @ c @ (p @ wv).t()
            else:
                z = z + z @ (wk.t() @ wq).t() @ c @ (p @ wv).t()
        pred = -z[:, -1, -1]
        loss = ((pred - y[:, -1]) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 10.0)
        opt.step()
        return loss.item()

    report(step, args, {"batch": b, "layers": layers, "formulation": args.formulation})


def report(step, args, conditions):
    """Times warm-up + measured calls of step() (wall and this thread's CPU) and prints the bench keys as JSON."""
    wall, cpu = [], []
    for i in range(args.warmup + args.measure):
        t0, c0 = time.perf_counter(), time.thread_time()
        step()
        if i >= args.warmup:
            wall.append((time.perf_counter() - t0) * 1e3)
            cpu.append((time.thread_time() - c0) * 1e3)
    wall.sort()
    print(json.dumps({
        "train_step_ms_median": statistics.median(wall),
        "train_step_ms_p10": wall[len(wall) // 10],
        "train_step_ms_p90": wall[len(wall) * 9 // 10],
        "train_step_cpu_ms_median": statistics.median(cpu),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
        **conditions, "threads": args.threads, "torch": torch.__version__,
    }, indent=2))


class Gpt2(torch.nn.Module):
    """Garg et al.'s TransformerModel without Hugging Face: read-in, GPT-2 backbone, read-out; outputs [B, T]."""

    def __init__(self, d, positions, layers, heads, width):
        super().__init__()
        e = width
        self.heads = heads
        self.read_in = torch.nn.Linear(d, e)
        self.wpe = torch.nn.Parameter(0.02 * torch.randn(positions, e))
        self.blocks = torch.nn.ModuleList()
        for _ in range(layers):
            blk = torch.nn.Module()
            blk.ln_1, blk.ln_2 = torch.nn.LayerNorm(e, eps=1e-5), torch.nn.LayerNorm(e, eps=1e-5)
            blk.c_attn, blk.c_proj = torch.nn.Linear(e, 3 * e), torch.nn.Linear(e, e)
            blk.c_fc, blk.m_proj = torch.nn.Linear(e, 4 * e), torch.nn.Linear(4 * e, e)
            self.blocks.append(blk)
        self.ln_f = torch.nn.LayerNorm(e, eps=1e-5)
        self.read_out = torch.nn.Linear(e, 1)

    def forward(self, tokens):
        b, t, _ = tokens.shape
        e, h = self.wpe.shape[1], self.heads
        r = self.read_in(tokens) + self.wpe[:t]
        mask = torch.triu(torch.full((t, t), -1e9), diagonal=1)
        for blk in self.blocks:
            q, k, v = blk.c_attn(blk.ln_1(r)).split(e, dim=2)
            q, k, v = (a.reshape(b, t, h, e // h).transpose(1, 2) for a in (q, k, v))  # [B, H, T, e/h]
            att = torch.softmax(q @ k.transpose(2, 3) / (e // h) ** 0.5 + mask, dim=-1)
            r = r + blk.c_proj((att @ v).transpose(1, 2).reshape(b, t, e))
            r = r + blk.m_proj(torch.nn.functional.gelu(blk.c_fc(blk.ln_2(r)), approximate="tanh"))
        return self.read_out(self.ln_f(r)).squeeze(2)


def gpt2(args):
    d = args.d or 5
    n = args.n or 10
    b = args.batch
    model = Gpt2(d, 2 * n + 1, args.layers, args.heads, args.width)
    params = list(model.parameters())
    opt = torch.optim.Adam(params, lr=1e-3)

    def step():
        x = torch.randn(b, n + 1, d)
        w = torch.randn(b, d, 1)
        y = (x @ w).squeeze(2)  # [B, N+1]: y_1..y_N and the query's target
        ys = torch.cat([y.unsqueeze(2), torch.zeros(b, n + 1, d - 1)], dim=2)
        tokens = torch.stack([x, ys], dim=2).reshape(b, 2 * (n + 1), d)[:, :-1]  # x_1, y_1, ..., x_q
        pred = model(tokens)[:, ::2]  # predictions after k = 0..N pairs, at the x tokens
        loss = ((pred - y) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 10.0)
        opt.step()
        return loss.item()

    report(step, args, {"batch": b, "layers": args.layers, "heads": args.heads, "width": args.width, "d": d,
                        "n": n, "arch": "gpt2", "formulation": "eager"})

if __name__ == "__main__":
    main()
