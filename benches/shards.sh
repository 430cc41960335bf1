#!/usr/bin/env bash
# Predict throughput of 1, 2 and 4 shards on this machine (issue 15): a synthetic dataset of
# IMAGES 256² tiles predicted by one process (all cores), then by 2 and by 4 shards run at once
# (each with RAYON_NUM_THREADS = cores / shards, at least 1), then merged. Prints images/s.
#   benches/shards.sh [DIR] [IMAGES]   (default /tmp/semcurate-shards 200)
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${1:-/tmp/semcurate-shards}
IMAGES=${2:-200}
BIN=${CARGO_TARGET_DIR:-target}/release/semcurate
cargo build --release --quiet
rm -rf "$DIR" && mkdir -p "$DIR"
"$BIN" synth "$DIR/data" --samples 4 --per-sample $((IMAGES / 4)) --size 256 --seed 6 --quiet
cores=$(nproc)
now() { date +%s.%N; }
rate() { python3 -c "import sys; n, t0, t1 = map(float, sys.argv[1:]); print(f'{n / (t1 - t0):.2f} images/s ({t1 - t0:.1f} s)')" "$@"; }
t0=$(now); "$BIN" predict "$DIR/data" --workspace "$DIR/ws1" --quiet >/dev/null; t1=$(now)
echo "1 process, $cores threads: $(rate "$IMAGES" "$t0" "$t1")"
for n in 2 4; do
    ws=$DIR/ws$n
    "$BIN" index "$DIR/data" --workspace "$ws" --quiet >/dev/null
    threads=$(( cores / n > 0 ? cores / n : 1 ))
    t0=$(now)
    for k in $(seq 0 $((n - 1))); do
        RAYON_NUM_THREADS=$threads "$BIN" predict "$DIR/data" --workspace "$ws" --shard "$k/$n" --quiet >/dev/null &
    done
    wait
    t1=$(now)
    m0=$(now); "$BIN" merge "$DIR/data" --workspace "$ws" --quiet >/dev/null; m1=$(now)
    echo "$n shards at once, $threads thread(s) each: $(rate "$IMAGES" "$t0" "$t1"); merge $(python3 -c "print(f'{$m1 - $m0:.2f} s')")"
done
