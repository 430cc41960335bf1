#!/usr/bin/env bash
# The model card's tables for a model (issue 24 §3): pixel accuracy, mIoU and per-class IoU on
# (1) the test split of the data it was trained on, (2) a second instrument it never saw,
# (3) the bundled demo, (4) the at-risk classes the demo's audit names. Works on copies of the
# datasets (their workspaces are rebuilt for the model under test), never on the originals.
#   B=path/to/semcurate benches/model_tables.sh MODEL TRAIN_DATASET [WORKDIR]
# The card's second instrument is `semcurate synth OTHER --samples 4 --per-sample 40 --seed 99
# --imaging other` (made here if WORKDIR lacks it). About 5 min on 2 cores for width 16.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
B=$(realpath "${B:-${CARGO_TARGET_DIR:-$repo/target}/release/semcurate}")
model=$(realpath "$1"); train=$(realpath "$2"); work=${3:-/tmp/model-tables}
mkdir -p "$work"; cd "$work"
[ -d other ] || $B synth other --samples 4 --per-sample 40 --seed 99 --imaging other --quiet
audit() { # name, dataset copy, extra audit args
  local name=$1 src=$2; shift 2
  rm -rf "ds-$name" && cp -r "$src" "ds-$name"
  $B predict "ds-$name" --model "$model" --quiet > /dev/null
  $B audit "ds-$name" --model "$model" --json --quiet "$@" > "audit-$name.json"
}
# The training set's workspace holds its splits: keep it so that `--split test` is the
# card's test split.
audit test "$train" --split test
rm -rf ds-other/.semcurate 2>/dev/null || true
audit other other
audit demo "$repo/datasets/demo"
python3 - "$work" <<'PY'
import json, sys, os
work = sys.argv[1]
rows = [("test split (same instrument)", "test"), ("other instrument", "other"), ("demo", "demo")]
aud = {k: json.load(open(os.path.join(work, f"audit-{k}.json"))) for _, k in rows}
names = [c["short"] for c in aud["test"]["per_class"]]
f = lambda v: "n/a" if v is None else f"{v:.3f}"
print("| | images | pixel acc. | mIoU | " + " | ".join(names) + " |")
print("|---|---|---|---|" + "---|" * len(names))
for label, k in rows:
    a = aud[k]
    ious = [c.get("iou") for c in a["per_class"]]
    print(f"| {label} | {a.get('images', '')} | {f(a['pixel_accuracy'])} | {f(a['mean_iou'])} | " + " | ".join(f(v) for v in ious) + " |")
t, o = aud["test"], aud["other"]
d = lambda x, y: "" if x is None or y is None else f"{y - x:+.3f}"
print(f"| lost to the new instrument | | {d(t['pixel_accuracy'], o['pixel_accuracy'])} | {d(t['mean_iou'], o['mean_iou'])} | " +
      " | ".join(d(a.get("iou"), b.get("iou")) for a, b in zip(t["per_class"], o["per_class"])) + " |")
print()
for label, k in rows:
    risk = ", ".join(f'{r["short"]} (IoU {f(r.get("iou"))})' for r in aud[k]["at_risk"])
    print(f"- at risk on the {label}: {risk or 'none'}")
PY
