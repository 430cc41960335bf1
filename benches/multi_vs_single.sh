#!/usr/bin/env bash
# Multi U-Net against a single U-Net, several seeds each, same recipe and step budget
# (issue 13). Trains on a synth set, predicts its test split and an other-instrument set with
# every model, audits each per class and scale bin, and writes the per-seed audits plus a
# Markdown summary (mean ± sd over seeds, per class and bin) made by docs/compare_seeds.py.
#   benches/multi_vs_single.sh [OUT]   (default /tmp/semcurate-mvs)
# Environment (defaults in brackets): SEEDS ["1 2 3"], WIDTH [8], STEPS total optimiser
# steps per model [1200], DATA [OUT/synth: synth --samples 16 --per-sample 60 --seed 21],
# OTHER [OUT/other: synth --samples 8 --per-sample 20 --seed 99 --imaging other],
# SEMCURATE [release build].
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-/tmp/semcurate-mvs}
SEEDS=${SEEDS:-"1 2 3"}
WIDTH=${WIDTH:-8}
STEPS=${STEPS:-1200}
EPOCHS=${EPOCHS:-15}
BINS=0.25,1.8
if [[ -z "${SEMCURATE:-}" ]]; then
  cargo build --release --quiet
  SEMCURATE=${CARGO_TARGET_DIR:-target}/release/semcurate
fi
mkdir -p "$OUT"
DATA=${DATA:-$OUT/synth}
OTHER=${OTHER:-$OUT/other}
[[ -d $DATA ]] || "$SEMCURATE" synth "$DATA" --samples 16 --per-sample 60 --seed 21
[[ -d $OTHER ]] || "$SEMCURATE" synth "$OTHER" --samples 8 --per-sample 20 --seed 99 --imaging other
# Equal total steps: the multi U-Net spreads them over its 3 bins, the single one takes all.
multi_steps=$(( STEPS / EPOCHS / 3 ))
single_steps=$(( STEPS / EPOCHS ))
recipe=(--width "$WIDTH" --dropout 0.1 --epochs "$EPOCHS" --crop 96 --batch 8 --lr 2e-3 --cosine
        --bins "$BINS")
for seed in $SEEDS; do
  for kind in multi single; do
    model=$OUT/$kind-s$seed
    if [[ ! -f $model/config.json ]]; then
      if [[ $kind == multi ]]; then extra=(--steps-per-epoch "$multi_steps");
      else extra=(--single --steps-per-epoch "$single_steps"); fi
      echo "== train $kind seed $seed ($(date +%T))"
      "$SEMCURATE" train "$DATA" --out "$model" --force --quiet --seed "$seed" \
        "${recipe[@]}" "${extra[@]}"
    fi
    for set in test other; do
      report=$OUT/$kind-s$seed.$set.json
      [[ -f $report ]] && continue
      if [[ $set == test ]]; then ds=$DATA; split=(--split test); else ds=$OTHER; split=(); fi
      "$SEMCURATE" predict "$ds" --model "$model" --quiet
      "$SEMCURATE" audit "$ds" --model "$model" "${split[@]}" --bins "$BINS" --json >"$report.tmp"
      mv "$report.tmp" "$report"
    done
  done
done
for set in test other; do
  python3 docs/compare_seeds.py "$OUT" "$set" >"$OUT/summary.$set.md"
  echo "summary: $OUT/summary.$set.md"
done
