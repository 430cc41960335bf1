#!/usr/bin/env bash
# U-Net CPU inference: burn (flex, ndarray) against PyTorch CPU on the same architecture and
# input, in one run, as a markdown table with ratios (burn ms / PyTorch ms; goal ≤ 1.0).
#   PYTHON=/tmp/venv/bin/python benches/unet.sh      (needs torch in that Python; dev only)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
out=$(mktemp)
cargo bench --bench unet --quiet 2>/dev/null | grep '^{' > "$out"
"$PYTHON" benches/unet_torch.py >> "$out"
"$PYTHON" - "$out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
torch = {(r["width"], r["batch"]): r["ms_per_image"] for r in rows if r["impl"] == "pytorch"}
print("| implementation | width b | batch | ms / image | ratio to PyTorch |")
print("|---|---|---|---|---|")
for r in rows:
    ref = torch.get((r["width"], r["batch"]))
    ratio = "1.00" if r["impl"] == "pytorch" else (f'{r["ms_per_image"] / ref:.2f}' if ref else "n/a")
    print(f'| {r["impl"]} | {r["width"]} | {r["batch"]} | {r["ms_per_image"]:.1f} | {ratio} |')
PY
