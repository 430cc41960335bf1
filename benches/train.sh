#!/usr/bin/env bash
# U-Net CPU training step, side by side in one run: semcurate's two trainers (burn's autodiff
# on flex, and the engine that `semcurate train` uses on CPU) against PyTorch CPU on the same
# model, loss, optimiser and batch; each at 2 threads (both cores) and 1. Prints a markdown
# table: ms per step, cores busy (CPU time / wall), and the ratio to PyTorch's faster thread
# count for that configuration (issue 24 goal: engine ≤ 1.5×).
#   PYTHON=/tmp/venv/bin/python benches/train.sh      (torch in that Python; dev only)
# Environment as benches/train.rs (BENCH_WIDTHS, BENCH_SECONDS, ...). SKIP_BURN=1 leaves out
# burn (its width-32 step takes ~10 s).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
out=$(mktemp)
impls=burn,engine
[[ -n "${SKIP_BURN:-}" ]] && impls=engine
cargo bench --bench train --no-run --quiet 2>/dev/null
lscpu | sed -n 's/^Model name: *//p' | head -1 >&2
grep -o -m1 'avx512f' /proc/cpuinfo >&2 || echo "no AVX-512" >&2
uptime >&2
RAYON_NUM_THREADS=2 BENCH_IMPLS=$impls cargo bench --bench train --quiet 2>/dev/null | grep '^{' >> "$out"
TORCH_THREADS=2 "$PYTHON" benches/train_torch.py >> "$out"
RAYON_NUM_THREADS=1 BENCH_IMPLS=engine cargo bench --bench train --quiet 2>/dev/null | grep '^{' >> "$out"
TORCH_THREADS=1 "$PYTHON" benches/train_torch.py >> "$out"
uptime >&2
"$PYTHON" - "$out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
best = {}
for r in rows:
    if r["impl"] == "pytorch":
        k = (r["width"], r["batch"], r["crop"])
        best[k] = min(best.get(k, float("inf")), r["ms_per_step"])
print("| implementation | threads | width b | batch | crop | ms / step | cores busy | ratio to PyTorch (its best) |")
print("|---|---|---|---|---|---|---|---|")
for r in sorted(rows, key=lambda r: (r["width"], r["impl"], -r["threads"])):
    ref = best.get((r["width"], r["batch"], r["crop"]))
    ratio = f'{r["ms_per_step"] / ref:.2f}' if ref else "n/a"
    print(f'| {r["impl"]} | {r["threads"]} | {r["width"]} | {r["batch"]} | {r["crop"]} | {r["ms_per_step"]:.0f} | {r.get("cores_busy")} | {ratio} |')
PY
