#!/usr/bin/env python3
"""Plain PyTorch eager reference for `descent bench`: the same training step (1-layer LSA, d = N = 10,
x ~ U(-1, 1)^d, w ~ N(0, I), batch 2048, Adam lr 1e-3, MSE loss) timed the same way, printing the same keys.

Run with Debian's torch (apt-get install python3-torch) or any torch >= 1.13:
    /usr/bin/python3 scripts/bench_pytorch.py --threads 1
and compare with
    ./descent bench --json --threads 1
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
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(0)
    d, n, b = 10, 10, args.batch
    dim = d + 1
    params = [torch.nn.Parameter(0.1 * torch.randn(dim, dim)) for _ in range(4)]  # W_Q, W_K, W_V, P
    opt = torch.optim.Adam(params, lr=1e-3)
    mask = torch.ones(n + 1)
    mask[-1] = 0

    def step():
        x = torch.rand(b, n + 1, d) * 2 - 1
        w = torch.randn(b, d, 1)
        y = (x @ w).squeeze(2)
        z = torch.cat([x, (y * mask).unsqueeze(2)], dim=2)
        wq, wk, wv, p = params
        zc = z[:, :-1, :]
        c = zc.transpose(1, 2) @ zc / n
        z = z + z @ (wk.t() @ wq).t() @ c @ (p @ wv).t()
        pred = -z[:, -1, -1]
        loss = ((pred - y[:, -1]) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 10.0)
        opt.step()
        return loss.item()

    times = []
    for i in range(args.warmup + args.measure):
        t0 = time.perf_counter()
        step()
        if i >= args.warmup:
            times.append((time.perf_counter() - t0) * 1e3)
    times.sort()
    print(json.dumps({
        "train_step_ms_median": statistics.median(times),
        "train_step_ms_p10": times[len(times) // 10],
        "train_step_ms_p90": times[len(times) * 9 // 10],
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
        "batch": b, "threads": args.threads, "torch": torch.__version__,
    }, indent=2))


if __name__ == "__main__":
    main()
