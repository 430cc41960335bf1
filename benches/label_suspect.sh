#!/usr/bin/env bash
# Label-suspect on the demo with a model (issue 13): plants a whole-mask relabelling (every
# pyroxene pixel of the demo's most pyroxene-rich 256² mask outside sample 12002 becomes
# plagioclase), predicts, and prints the rank of the planted image in
# `queue --strategy label-suspect`, with the ranks of the images whose reported region is
# olivine predicted pyroxene (the model's systematic confusion, not label errors).
#   benches/label_suspect.sh [MODEL] [OUT]   (default models/default, /tmp/semcurate-suspect)
# Needs python3 with numpy and Pillow ($SEMCURATE_PYTHON or python3).
set -euo pipefail
cd "$(dirname "$0")/.."
MODEL=${1:-models/default}
OUT=${2:-/tmp/semcurate-suspect}
PY=${SEMCURATE_PYTHON:-python3}
BIN=${CARGO_TARGET_DIR:-target}/release/semcurate
cargo build --release --quiet
rm -rf "$OUT" && mkdir -p "$OUT"
cp -r datasets/demo "$OUT/demo"
rm -rf "$OUT/demo/.semcurate"
planted=$("$PY" - "$OUT/demo" <<'PY'
import sys, pathlib
import numpy as np
from PIL import Image
root = pathlib.Path(sys.argv[1])
best = None
for m in sorted(root.glob("*/output-images/*.png")):
    if m.parts[-3] == "12002":
        continue
    a = np.array(Image.open(m))
    py = int((a == 4).sum())
    if a.shape == (256, 256) and (best is None or py > best[0]):
        best = (py, m)
py, m = best
a = np.array(Image.open(m))
a[a == 4] = 5
Image.fromarray(a).save(m)
print(f"{m.parts[-3]}/{m.stem} {py}")
PY
)
read -r stem pixels <<<"$planted"
echo "planted: every Py pixel of $stem ($pixels px) relabelled Pl"
"$BIN" predict "$OUT/demo" --model "$MODEL" --quiet >/dev/null
"$BIN" audit "$OUT/demo" --model "$MODEL" --json --quiet > "$OUT/audit.json"
"$BIN" queue "$OUT/demo" --model "$MODEL" --strategy label-suspect --budget 1000 --json --quiet > "$OUT/queue.json"
"$PY" - "$OUT" "$stem" <<'PY'
import json, sys
out, stem = sys.argv[1], sys.argv[2]
q = json.load(open(f"{out}/queue.json"))
a = json.load(open(f"{out}/audit.json"))
items = q["items"]
print(f"label-suspect lists {len(items)} images; at risk: {[r['short'] for r in a['at_risk']]}; "
      f"underrepresented: {[r['short'] for r in a['underrepresented']]}")
print(f"audit: pixel accuracy {a['pixel_accuracy']:.3f}, mIoU {a['mean_iou']:.3f}")
for it in items:
    name = f"{it['sample']}/{it['stem']}"
    n = it["numbers"]
    ol_py = ("labelled Ol is confidently predicted Py" in it["reason"]
             or "px labelled Ol are predicted Py" in it["reason"])
    if name == stem or ol_py or it["rank"] <= 5:
        tag = "PLANTED" if name == stem else ("Ol→Py" if ol_py else "")
        print(f"rank {it['rank']:3d} {tag:8s} {name:22s} score {it['score']:9.0f} region {n['region_pixels']:6.0f} "
              f"habit {n.get('habit_rate', float('nan')):.2f} grey {n['grey_evidence']:+.2f}")
ranks = [it["rank"] for it in items if f"{it['sample']}/{it['stem']}" == stem]
print(f"planted rank: {ranks[0] if ranks else 'not listed'}")
PY
