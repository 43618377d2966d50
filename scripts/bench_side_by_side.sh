#!/usr/bin/env bash
# Runs `./descent bench` (batches drawn ahead on a second thread, the default, and --sequential-sampling) and the
# plain PyTorch script (scripts/bench_pytorch.py, both formulations) interleaved on this machine, one libtorch thread
# each, and prints the median step times and descent's ratios to the faster PyTorch script (wall, and CPU time of
# all threads). Interleaving (round 1: each of the four once; round 2: the same; ...) spreads any drift in the
# machine's load over all of them, so the ratio is the figure to quote, not the milliseconds.
#
#   scripts/bench_side_by_side.sh [--layers L] [--rounds R] [--measure K] [--torch-malloc jemalloc|libc]
#
# Needs Debian's PyTorch for the reference script (python3-torch); installed with apt-get when absent and run as
# root, otherwise the command to run is printed. --torch-malloc jemalloc also runs the PyTorch script with jemalloc
# preloaded, for a like-for-like allocator comparison (descent's launcher preloads jemalloc when it is installed and
# otherwise sets glibc thresholds; see README "Benchmarking").
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
layers=1 rounds=3 measure=300 torch_malloc=libc
while [[ $# -gt 0 ]]; do
  case "$1" in
    --layers) layers="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --measure) measure="$2"; shift 2 ;;
    --torch-malloc) torch_malloc="$2"; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "bench_side_by_side: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
py=/usr/bin/python3
if ! "$py" -c 'import torch' 2>/dev/null; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "bench_side_by_side: installing Debian's python3-torch (the reference script needs it) ..." >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-torch >&2
  else
    echo "bench_side_by_side: PyTorch is missing; install it with: sudo apt-get install python3-torch" >&2
    exit 2
  fi
fi
torch_env=()
if [[ "$torch_malloc" == jemalloc ]]; then
  lib=$(ls /usr/lib/*/libjemalloc.so.2 2>/dev/null | head -1 || true)
  [[ -n "$lib" ]] || { echo "bench_side_by_side: --torch-malloc jemalloc needs libjemalloc2" >&2; exit 2; }
  torch_env=(env "LD_PRELOAD=$lib")
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$here/descent" --version >/dev/null # builds once, outside the timed runs
for r in $(seq 1 "$rounds"); do
  echo "round $r/$rounds ..." >&2
  "$here/descent" bench --json --threads 1 --layers "$layers" --measure "$measure" >"$out/descent-$r.json"
  "$here/descent" bench --json --threads 1 --layers "$layers" --measure "$measure" --sequential-sampling \
    >"$out/descent-seq-$r.json"
  for f in all-tokens query-only; do
    "${torch_env[@]}" "$py" "$here/scripts/bench_pytorch.py" --threads 1 --layers "$layers" --measure "$measure" \
      --formulation "$f" >"$out/torch-$f-$r.json"
  done
done
"$py" - "$out" "$rounds" "$torch_malloc" <<'EOF'
import json, statistics, sys
out, rounds, torch_malloc = sys.argv[1], int(sys.argv[2]), sys.argv[3]
load = lambda name: [json.load(open(f"{out}/{name}-{r}.json")) for r in range(1, rounds + 1)]
runs = {"descent": load("descent"), "descent sequential": load("descent-seq"),
        "pytorch all-tokens": load("torch-all-tokens"),
        "pytorch query-only": load("torch-query-only")}
med = lambda rs, k: statistics.median(r[k] for r in rs)
d = runs["descent"][0]
print(f"CPU: {d['cpu_model']}; 1 thread; L = {d['layers']}, batch {d['batch']}, d = {d['d']}, N = {d['n']}; "
      f"{rounds} interleaved rounds of {d['measured_steps']} steps; descent malloc {d['malloc']}, "
      f"MKL_CBWR={d['mkl_cbwr']}; PyTorch {runs['pytorch query-only'][0]['torch']} malloc {torch_malloc}")
# CPU per step: the whole process for descent (training and sampling threads), the one thread for PyTorch
cpu = lambda name, r: r["process_cpu_ms_per_step"] if name.startswith("descent") else r["train_step_cpu_ms_median"]
medcpu = lambda name: statistics.median(cpu(name, r) for r in runs[name])
print(f"{'':22} {'wall ms/step':>13} {'CPU ms/step':>12} {'peak RSS MB':>12}")
for name, rs in runs.items():
    print(f"{name:22} {med(rs, 'train_step_ms_median'):13.3f} {medcpu(name):12.3f} {med(rs, 'peak_rss_mb'):12.0f}")
fast = min(("pytorch all-tokens", "pytorch query-only"), key=lambda n: med(runs[n], "train_step_ms_median"))
for name in ("descent", "descent sequential"):
    wall = med(runs[name], "train_step_ms_median") / med(runs[fast], "train_step_ms_median")
    print(f"{name} / {fast}: wall {wall:.3f}, CPU {medcpu(name) / medcpu(fast):.3f}")
phases = {p: statistics.median(r["phase_ms_median"][p] for r in runs["descent"]) for p in d["phase_ms_median"]}
print("descent phases (median ms): " + "  ".join(f"{p} {v:.3f}" for p, v in phases.items()))
EOF
