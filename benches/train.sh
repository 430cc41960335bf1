#!/usr/bin/env bash
# U-Net CPU training step: burn flex against PyTorch CPU on the same model, loss, optimiser
# and batch, in one run, as a markdown table with ratios (burn ms / PyTorch ms; SPEC goal
# ≤ 2.0).   PYTHON=/tmp/venv/bin/python benches/train.sh      (torch in that Python; dev only)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
out=$(mktemp)
cargo bench --bench train --quiet 2>/dev/null | grep '^{' > "$out"
"$PYTHON" benches/train_torch.py >> "$out"
"$PYTHON" - "$out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
torch = {(r["width"], r["batch"], r["crop"]): r["ms_per_step"] for r in rows if r["impl"] == "pytorch"}
print("| implementation | width b | batch | crop | ms / step | ratio to PyTorch |")
print("|---|---|---|---|---|---|")
for r in rows:
    ref = torch.get((r["width"], r["batch"], r["crop"]))
    ratio = "1.00" if r["impl"] == "pytorch" else (f'{r["ms_per_step"] / ref:.2f}' if ref else "n/a")
    print(f'| {r["impl"]} | {r["width"]} | {r["batch"]} | {r["crop"]} | {r["ms_per_step"]:.0f} | {ratio} |')
PY
