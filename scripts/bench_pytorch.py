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
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(0)
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
        "batch": b, "layers": layers, "formulation": args.formulation, "threads": args.threads,
        "torch": torch.__version__,
    }, indent=2))


if __name__ == "__main__":
    main()
