#!/usr/bin/env bash
# Absolute against per-image and per-site input (issue 24 §1): a width-8 single U-Net trained three ways on
# the same synthetic set, audited on its test split and on a second instrument.
#   B=path/to/semcurate benches/input_norm.sh   (writes into /tmp/pn; about 20 min on 2 cores)
set -euo pipefail
B=${B:-${CARGO_TARGET_DIR:-target}/release/semcurate}
B=$(realpath "$B")
mkdir -p /tmp/pn
cd /tmp/pn
[ -d train ] || $B synth train --samples 4 --per-sample 24 --seed 11 --quiet
[ -d other ] || $B synth other --samples 4 --per-sample 10 --seed 99 --imaging other --quiet
run() { # name, extra train args
  local name=$1; shift
  if [ ! -f m-$name/config.json ]; then
    /usr/bin/time -f "$name train %e s" $B train train --single --width 8 --epochs 12 --steps-per-epoch 40 --crop 96 --seed "${SEED:-1}" --out m-$name "$@" > log-$name.txt 2>&1 || { echo "$name failed"; tail log-$name.txt; return; }
  fi
  $B predict train --model m-$name --quiet > /dev/null
  $B audit train --model m-$name --split test --json --quiet > audit-$name-test.json
  rm -rf other-$name && cp -r other other-$name && rm -rf other-$name/.semcurate
  $B predict other-$name --model m-$name --quiet > /dev/null
  $B audit other-$name --model m-$name --json --quiet > audit-$name-other.json
  python3 - $name <<'PY'
import json,sys
n=sys.argv[1]
for s in ("test","other"):
    a=json.load(open(f"/tmp/pn/audit-{n}-{s}.json"))
    print(f"{n:14s} {s:6s} acc {a['pixel_accuracy']:.3f} mIoU {a['mean_iou']:.3f}")
PY
}
# RUNS="per-image per-site" runs only those.
want() { [ -z "${RUNS:-}" ] || [[ " $RUNS " == *" $1 "* ]]; }
want absolute && run absolute --input absolute
want per-image && run per-image --input per-image
want per-image-wide && run per-image-wide --input per-image --gain 0.4 --offset 0.15 --gamma 0.3 --noise 0.06 --blur 2.0
want per-site && run per-site --input per-site
# Dropout on top of per-site input (issue 24 §3: dropout 0 won on real tiles); a second seed
# of each for the spread.
want per-site-dropout-0 && run per-site-dropout-0 --input per-site --dropout 0
want per-site-s2 && SEED=2 run per-site-s2 --input per-site
want per-site-dropout-0-s2 && SEED=2 run per-site-dropout-0-s2 --input per-site --dropout 0
grep -h " train " log-*.txt /dev/null || true
