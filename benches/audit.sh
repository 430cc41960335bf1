#!/usr/bin/env bash
# Audit benchmark (SPEC 5: audit of 16,000 predicted images ≤ 10 s).
# Uses the 16,000 labelled pairs of benches/index.sh (run it first, same DIR), predicts them
# with a tiny width-4 model trained for a few steps (predictions are real, quality is not the
# point), then times `semcurate audit --json`:
#   cold  no cached per-image summaries: every mask decoded and compared with its prediction
#   warm  summaries cached in the workspace (median of 5)
#   benches/audit.sh [DIR]     (default /tmp/semcurate-bench)
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${1:-/tmp/semcurate-bench}
BIN=${CARGO_TARGET_DIR:-target}/release/semcurate
[ -d "$DIR/data" ] || { echo "run benches/index.sh $DIR first" >&2; exit 2; }
cargo build --release --quiet
if [ ! -f "$DIR/tiny-model/config.json" ]; then
    "$BIN" train "$DIR/data" --workspace "$DIR/ws" --out "$DIR/tiny-model" --width 4 --epochs 1 \
        --steps-per-epoch 5 --crop 64 --quiet >/dev/null 2>&1
fi
/usr/bin/time -f "predict: %e s" "$BIN" predict "$DIR/data" --workspace "$DIR/ws" --model "$DIR/tiny-model" --quiet >/dev/null
sqlite="${PYTHON:-python3} -c"
$sqlite "import sqlite3,sys; c=sqlite3.connect('$DIR/ws/index.sqlite'); c.execute('DELETE FROM audits'); c.commit()"
timed() { /usr/bin/time -f "%e %M" -o "$DIR/time.txt" "$@" >/dev/null 2>&1 || true; cat "$DIR/time.txt"; }
read -r cold cold_rss < <(timed "$BIN" audit "$DIR/data" --workspace "$DIR/ws" --model "$DIR/tiny-model" --json --quiet)
runs=(); rss=0
for _ in 1 2 3 4 5; do
    read -r t r < <(timed "$BIN" audit "$DIR/data" --workspace "$DIR/ws" --model "$DIR/tiny-model" --json --quiet)
    runs+=("$t"); rss=$r
done
warm=$(printf '%s\n' "${runs[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
images=$($sqlite "import sqlite3; c=sqlite3.connect('$DIR/ws/index.sqlite'); print(c.execute('SELECT count(*) FROM audits').fetchone()[0])")
echo "audited images: $images   machine: $(nproc) cores"
echo "| run | time (s) | peak RSS (MB) |"
echo "|---|---|---|"
echo "| audit, no cached summaries (decode 16,000 masks + predictions) | $cold | $((cold_rss / 1024)) |"
echo "| audit, summaries cached (median of 5) | $warm | $((rss / 1024)) |"
