#!/usr/bin/env bash
# Runs `./descent bench` (batches drawn ahead on a second thread, the default, and --sequential-sampling) and the
# plain PyTorch script (scripts/bench_pytorch.py, both formulations) interleaved on this machine, one libtorch thread
# each, and prints the median step times and descent's ratios to the faster PyTorch script (wall, and CPU time of
# all threads). Interleaving (round 1: each of the four once; round 2: the same; ...) spreads any drift in the
# machine's load over all of them, so the ratio is the figure to quote, not the milliseconds.
#
#   scripts/bench_side_by_side.sh [--layers L] [--rounds R] [--measure K] [--torch-malloc jemalloc|libc]
#   scripts/bench_side_by_side.sh --arch gpt2 [--layers L] [--heads H] [--width E] [--d D] [--n N] [--batch B] ...
#
# --arch gpt2 times Garg's GPT-2 regressor (interleaved layout, loss over every prefix, x ~ N(0, I)) in both, with
# L = 3, H = 2, E = 64, d = 5, N = 10, batch 64 unless given; PyTorch has one formulation there ("eager").
#
# Needs Debian's PyTorch for the reference script (python3-torch); installed with apt-get when absent and run as
# root, otherwise the command to run is printed. --torch-malloc jemalloc also runs the PyTorch script with jemalloc
# preloaded, for a like-for-like allocator comparison (descent's launcher preloads jemalloc when it is installed and
# otherwise sets glibc thresholds; see README "Benchmarking").
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
layers="" rounds=3 measure=300 torch_malloc=libc arch=lsa heads=2 width=64 d=5 n=10 batch=64
while [[ $# -gt 0 ]]; do
  case "$1" in
    --layers) layers="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --measure) measure="$2"; shift 2 ;;
    --torch-malloc) torch_malloc="$2"; shift 2 ;;
    --arch) arch="$2"; shift 2 ;;
    --heads) heads="$2"; shift 2 ;;
    --width) width="$2"; shift 2 ;;
    --d) d="$2"; shift 2 ;;
    --n) n="$2"; shift 2 ;;
    --batch) batch="$2"; shift 2 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "bench_side_by_side: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
case "$arch" in
  lsa) layers="${layers:-1}"; model_args=(--layers "$layers"); torch_args=(--layers "$layers")
       formulations=(all-tokens query-only) ;;
  gpt2) layers="${layers:-3}"
        model_args=(--arch gpt2 --layers "$layers" --heads "$heads" --width "$width" --d "$d" --n "$n" --batch "$batch"
                    --inputs gaussian)
        torch_args=(--arch gpt2 --layers "$layers" --heads "$heads" --width "$width" --d "$d" --n "$n" --batch "$batch")
        formulations=(eager) ;;
  *) echo "bench_side_by_side: --arch must be lsa or gpt2" >&2; exit 2 ;;
esac
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
  "$here/descent" bench --json --threads 1 "${model_args[@]}" --measure "$measure" >"$out/descent-$r.json"
  "$here/descent" bench --json --threads 1 "${model_args[@]}" --measure "$measure" --sequential-sampling \
    >"$out/descent-seq-$r.json"
  for f in "${formulations[@]}"; do
    if [[ "$f" == eager ]]; then
      "${torch_env[@]}" "$py" "$here/scripts/bench_pytorch.py" --threads 1 "${torch_args[@]}" --measure "$measure" \
        >"$out/torch-$f-$r.json"
    else
      "${torch_env[@]}" "$py" "$here/scripts/bench_pytorch.py" --threads 1 "${torch_args[@]}" --measure "$measure" \
        --formulation "$f" >"$out/torch-$f-$r.json"
    fi
  done
done
"$py" - "$out" "$rounds" "$torch_malloc" "${formulations[@]}" <<'EOF'
import json, statistics, sys
out, rounds, torch_malloc, formulations = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
load = lambda name: [json.load(open(f"{out}/{name}-{r}.json")) for r in range(1, rounds + 1)]
runs = {"descent": load("descent"), "descent sequential": load("descent-seq")}
runs.update({f"pytorch {f}": load(f"torch-{f}") for f in formulations})
med = lambda rs, k: statistics.median(r[k] for r in rs)
d = runs["descent"][0]
arch = d.get("arch", "lsa") + (f" H = {d['heads']}, E = {d['width']}," if "width" in d else "")
print(f"CPU: {d['cpu_model']}; 1 thread; {arch} L = {d['layers']}, batch {d['batch']}, d = {d['d']}, N = {d['n']}; "
      f"{rounds} interleaved rounds of {d['measured_steps']} steps; descent malloc {d['malloc']}, "
      f"MKL_CBWR={d['mkl_cbwr']}; PyTorch {runs[f'pytorch {formulations[0]}'][0]['torch']} malloc {torch_malloc}")
# CPU per step: the whole process for descent (training and sampling threads), the one thread for PyTorch
cpu = lambda name, r: r["process_cpu_ms_per_step"] if name.startswith("descent") else r["train_step_cpu_ms_median"]
medcpu = lambda name: statistics.median(cpu(name, r) for r in runs[name])
print(f"{'':22} {'wall ms/step':>13} {'CPU ms/step':>12} {'peak RSS MB':>12}")
for name, rs in runs.items():
    print(f"{name:22} {med(rs, 'train_step_ms_median'):13.3f} {medcpu(name):12.3f} {med(rs, 'peak_rss_mb'):12.0f}")
fast = min((f"pytorch {f}" for f in formulations), key=lambda n: med(runs[n], "train_step_ms_median"))
for name in ("descent", "descent sequential"):
    wall = med(runs[name], "train_step_ms_median") / med(runs[fast], "train_step_ms_median")
    print(f"{name} / {fast}: wall {wall:.3f}, CPU {medcpu(name) / medcpu(fast):.3f}")
phases = {p: statistics.median(r["phase_ms_median"][p] for r in runs["descent"]) for p in d["phase_ms_median"]}
print("descent phases (median ms): " + "  ".join(f"{p} {v:.3f}" for p, v in phases.items()))
EOF
