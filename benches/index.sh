#!/usr/bin/env bash
# Index benchmark (SPEC 5): 16,000 image/mask pairs made by `semcurate synth`.
#   cold      new workspace, page cache dropped when permitted (root): disk + decode + SQLite
#   cold-pc   new workspace, files already in the page cache
#   warm      nothing changed: scan + fingerprint check + summary (median of 5)
#   stats     warm `stats` (index check + report), median of 5
# Peak RSS is GNU time's "Maximum resident set size". Usage:
#   benches/index.sh [DIR]        (default /tmp/semcurate-bench; the data is kept for reuse)
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${1:-/tmp/semcurate-bench}
SAMPLES=${SAMPLES:-32}
PER_SAMPLE=${PER_SAMPLE:-500}
BIN=${CARGO_TARGET_DIR:-target}/release/semcurate

cargo build --release --quiet
if [ ! -d "$DIR/data" ]; then
    echo "generating $((SAMPLES * PER_SAMPLE)) pairs in $DIR/data ..." >&2
    /usr/bin/time -f "synth: %e s, %M KB" "$BIN" synth "$DIR/data" --samples "$SAMPLES" \
        --per-sample "$PER_SAMPLE" --seed 7 --quiet
fi
pairs=$(find "$DIR/data" -path '*output-images/*.png' | wc -l)

timed() { # prints "seconds rss_kb"
    /usr/bin/time -f "%e %M" -o "$DIR/time.txt" "$@" >/dev/null 2>&1 || true
    cat "$DIR/time.txt"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

rm -rf "$DIR/ws"
sync
if echo 3 >/proc/sys/vm/drop_caches 2>/dev/null; then cache="dropped"; else cache="not dropped (needs root)"; fi
read -r cold cold_rss < <(timed "$BIN" index "$DIR/data" --workspace "$DIR/ws" --quiet)
rm -rf "$DIR/ws"
read -r coldpc coldpc_rss < <(timed "$BIN" index "$DIR/data" --workspace "$DIR/ws" --quiet)
warm_runs=(); warm_rss=0
for _ in 1 2 3 4 5; do
    read -r t r < <(timed "$BIN" index "$DIR/data" --workspace "$DIR/ws" --quiet)
    warm_runs+=("$t"); warm_rss=$r
done
stats_runs=(); stats_rss=0
for _ in 1 2 3 4 5; do
    read -r t r < <(timed "$BIN" stats "$DIR/data" --workspace "$DIR/ws" --quiet)
    stats_runs+=("$t"); stats_rss=$r
done
warm=$(printf '%s\n' "${warm_runs[@]}" | median)
stats=$(printf '%s\n' "${stats_runs[@]}" | median)

echo "pairs: $pairs   machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)   page cache for 'cold': $cache"
echo "| run | time (s) | peak RSS (MB) |"
echo "|---|---|---|"
echo "| cold index (page cache $cache) | $cold | $((cold_rss / 1024)) |"
echo "| cold index (files in page cache) | $coldpc | $((coldpc_rss / 1024)) |"
echo "| warm re-index, nothing changed (median of 5) | $warm | $((warm_rss / 1024)) |"
echo "| warm stats (median of 5) | $stats | $((stats_rss / 1024)) |"
