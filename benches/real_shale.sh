#!/usr/bin/env bash
# `semcurate train` against a plain PyTorch U-Net on real tiles (issue 24 §3), and which part of
# semcurate's recipe costs held-out accuracy: every variant trains a width-8 single U-Net for the
# same number of steps (batch 8, 128-px crops, Adam 1e-3, no validation: the last step is kept)
# on 16 of the 20 labelled Duvernay shale tiles, predicts the other 4, and is scored from its
# saved class maps by one script (benches/real_shale_metrics.py). Prints a markdown table.
#
#   SEMCURATE=target/release/semcurate PYTHON=python3 TORCH_PYTHON=/tmp/torchvenv/bin/python \
#     benches/real_shale.sh [../shared/realdata/shale-sem-tiles]
#
# PYTHON needs numpy and Pillow, TORCH_PYTHON numpy and torch (may be the same). OUT (default
# /tmp/semcurate-real-shale, never inside the repository) gets the dataset, runs and table; a run
# whose meta.json exists is not run again, so an interrupted bench resumes. STEPS (800) =
# EPOCHS × EPOCH_STEPS (100). ONLY=name,name runs a subset (a variant name runs all its seeds,
# name-sN one). About 4 min a run on 2 shared cores; the first 14 variants are the ones in
# docs/REAL_DATA.md (the last three are optional: one more input variant and a third seed).
# PyTorch runs with TORCH_THREADS=1 by default: with the cores shared, 2 OpenMP threads were
# 11x slower per step (2.75 s against 0.25 s), semcurate's rayon pool was not.
#
# Split: tiles whose number is a multiple of 5 (0000, 0005, 0010, 0015) are held out; they hold
# 20.3 % matrix, the dataset 19.7 %. The data is test data only: it is copied under OUT, never
# into the repository.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
SRC=$(realpath "${1:-$repo/../shared/realdata/shale-sem-tiles}")
B=$(realpath "${SEMCURATE:-$repo/target/release/semcurate}")
PYTHON=${PYTHON:-python3}
TORCH_PYTHON=${TORCH_PYTHON:-$PYTHON}
OUT=${OUT:-/tmp/semcurate-real-shale}
STEPS=${STEPS:-800}
EPOCH_STEPS=${EPOCH_STEPS:-100}
EPOCHS=$((STEPS / EPOCH_STEPS))
ONLY=${ONLY:-}
mkdir -p "$OUT"
OUT=$(realpath "$OUT")
case "$OUT/" in "$repo"/*) echo "OUT=$OUT is inside the repository: the tiles must stay out of it" >&2; exit 2 ;; esac
[ -x "$B" ] || { echo "no semcurate binary at $B (set SEMCURATE)" >&2; exit 2; }

# The dataset: DS/train and DS/heldout, each images/ + masks/ (the layout semcurate reads, masks
# named NAME_MASK_NNNN.tif) with a two-class classes.toml mapping mask values 0/255.
DS=$OUT/ds
if [ ! -f "$DS/done" ]; then
  rm -rf "$DS"
  for part in train heldout; do
    mkdir -p "$DS/$part/images" "$DS/$part/masks"
    cat > "$DS/$part/classes.toml" <<'EOF'
name = "duvernay-shale-2"

[[class]]
id = 0
name = "Matrix: clay, pores, organic matter"
short = "Mx"
colour = "#3a3a3a"

[[class]]
id = 1
name = "Grain"
short = "Gr"
colour = "#e0b040"

[mask_values]
"0" = 0
"255" = 1
EOF
  done
  for img in "$SRC"/images/*.tif; do
    name=$(basename "$img" .tif)
    num=${name##*_}
    part=train
    (( 10#$num % 5 == 0 )) && part=heldout
    cp "$img" "$DS/$part/images/"
    cp "$SRC/masks/${name%_*}_MASK_$num.tif" "$DS/$part/masks/"
  done
  "$PYTHON" "$repo/benches/real_shale_metrics.py" prep "$DS" "$DS/shale.npz"
  touch "$DS/done"
fi
# Every tile is one split group (the study's rule: the name before the first '-'), so all 16
# train tiles land in the train split and val/test are empty: --no-val keeps the last epoch.
"$B" stats "$DS/train" --pixel-size 0.1 --quiet | sed -n '/^Splits/,$p' >&2

mkdir -p "$OUT/runs"
ALL_OFF="--no-class-weights --dice 0 --balance 0 --noise 0 --blur 0 --dropout 0 --gain 0 --offset 0 --input absolute"
# name | seed | trainer | options (semcurate train flags, or real_shale_torch.py flags)
VARIANTS=(
  "torch-plain|0|pytorch|--dropout 0 --input absolute"
  "default|0|semcurate|"
  "all-off|0|semcurate|$ALL_OFF"
  "no-class-weights|0|semcurate|--no-class-weights"
  "dice-0|0|semcurate|--dice 0"
  "balance-0|0|semcurate|--balance 0"
  "noise-blur-0|0|semcurate|--noise 0 --blur 0"
  "dropout-0|0|semcurate|--dropout 0"
  "gain-offset-0|0|semcurate|--gain 0 --offset 0"
  "input-absolute|0|semcurate|--input absolute"
  "default|1|semcurate|"
  "torch-plain|1|pytorch|--dropout 0 --input absolute"
  "torch-dropout|0|pytorch|--dropout 0.3 --input absolute"
  "all-off-but-dropout|0|semcurate|--no-class-weights --dice 0 --balance 0 --noise 0 --blur 0 --gain 0 --offset 0 --input absolute"
  "all-off-per-image|0|semcurate|--no-class-weights --dice 0 --balance 0 --noise 0 --blur 0 --dropout 0 --gain 0 --offset 0 --input per-image"
  "default|2|semcurate|"
  "torch-plain|2|pytorch|--dropout 0 --input absolute"
  "site-default|0|semcurate|--input per-site"
  "site-dropout-0|0|semcurate|--input per-site --dropout 0"
  "site-default|1|semcurate|--input per-site"
  "site-dropout-0|1|semcurate|--input per-site --dropout 0"
  "site-default|2|semcurate|--input per-site"
  "site-dropout-0|2|semcurate|--input per-site --dropout 0"
)

meta() { # run dir, variant, seed, options, order, load; adds them to RUN/meta.json
  "$PYTHON" - "$@" <<'PY'
import json, pathlib, sys
run, variant, seed, options, order, load = sys.argv[1:]
p = pathlib.Path(run) / "meta.json"
m = json.loads(p.read_text()) if p.exists() else {}
card = pathlib.Path(run) / "model" / "model_card.json"
if card.exists():
    m.update(impl="semcurate", train_seconds=json.loads(card.read_text())["training_seconds"])
m.update(variant=variant, seed=int(seed), options=options or "(defaults)", order=int(order), load=load)
p.write_text(json.dumps(m, indent=1))
PY
}

order=0
for v in "${VARIANTS[@]}"; do
  IFS='|' read -r name seed impl opts <<< "$v"
  order=$((order + 1))
  tag=$name-s$seed
  [[ -n "$ONLY" && ",$ONLY," != *",$tag,"* && ",$ONLY," != *",$name,"* ]] && continue
  run=$OUT/runs/$(printf '%02d' "$order")-$tag
  [ -f "$run/meta.json" ] && continue
  rm -rf "$run" && mkdir -p "$run"
  load=$(cut -d' ' -f1 /proc/loadavg)
  echo "== $tag ($impl $opts), load $load" >&2
  if [ "$impl" = pytorch ]; then
    # shellcheck disable=SC2086
    TORCH_THREADS=${TORCH_THREADS:-1} "$TORCH_PYTHON" "$repo/benches/real_shale_torch.py" \
      --data "$DS/shale.npz" --out "$run" --steps "$STEPS" --seed "$seed" $opts > "$run/log.txt" 2>&1 \
      || { echo "$tag failed:" >&2; tail "$run/log.txt" >&2; continue; }
  else
    # shellcheck disable=SC2086
    "$B" train "$DS/train" --pixel-size 0.1 --out "$run/model" --single --width 8 --batch 8 \
      --crop 128 --epochs "$EPOCHS" --steps-per-epoch "$EPOCH_STEPS" --lr 1e-3 --seed "$seed" \
      --no-val --trainer engine $opts > "$run/log.txt" 2>&1 \
      || { echo "$tag failed:" >&2; tail "$run/log.txt" >&2; continue; }
    "$B" predict "$DS/heldout" --pixel-size 0.1 --model "$run/model" --out "$run/pred" --quiet > /dev/null
    "$B" audit "$DS/heldout" --pixel-size 0.1 --model "$run/model" --json --quiet > "$run/audit.json"
  fi
  meta "$run" "$name" "$seed" "$opts" "$order" "$load"
  tail -n 3 "$run/log.txt" >&2
done

echo >&2
echo "$STEPS steps ($EPOCHS × $EPOCH_STEPS) per run; held out: $(ls "$DS/heldout/images" | tr '\n' ' ')" >&2
"$PYTHON" "$repo/benches/real_shale_metrics.py" table "$OUT/runs" "$DS"
