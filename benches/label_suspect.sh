#!/usr/bin/env bash
# Label-suspect on the demo with a model (issues 13 and 24 §4): plants one label error at a
# time in a copy of the demo (a whole mask's pyroxene relabelled plagioclase; each whole
# plagioclase grain of >= 1000 px relabelled pyroxene) and prints the planted image's rank in
# `queue --strategy label-suspect` and in the mixed queue, with the best rank of a correct
# olivine image (the model's systematic Ol -> Py confusion, not a label error).
#   benches/label_suspect.sh [MODEL] [OUT] [GRAINS]
#     (defaults: models/default, /tmp/semcurate-suspect, every grain; GRAINS=N spreads N plants
#      over the grains, smallest to largest)
# Needs python3 with numpy, Pillow and scipy ($SEMCURATE_PYTHON or python3).
set -euo pipefail
cd "$(dirname "$0")/.."
MODEL=${1:-models/default}
OUT=${2:-/tmp/semcurate-suspect}
GRAINS=${3:-0}
PY=${SEMCURATE_PYTHON:-python3}
BIN=${CARGO_TARGET_DIR:-target}/release/semcurate
cargo build --release --quiet
rm -rf "$OUT" && mkdir -p "$OUT"
cp -r datasets/demo "$OUT/demo"
rm -rf "$OUT/demo/.semcurate"
"$PY" benches/label_suspect.py "$BIN" "$MODEL" "$OUT" --grains "$GRAINS"
