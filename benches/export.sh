#!/usr/bin/env bash
# Export benchmark (SPEC 5: export of 16,000 images in ≤ 200 MB). Uses the 16,000 labelled
# 256×256 pairs of benches/index.sh (made here when missing, same DIR), indexes them, then
# times `semcurate export` into a new folder and again over it (--force: staged, verified,
# swapped). Every file is written, read back, decoded and compared; GNU time gives the peak RSS.
#   benches/export.sh [DIR]     (default /tmp/semcurate-bench)
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${1:-/tmp/semcurate-bench}
BIN=${CARGO_TARGET_DIR:-target}/release/semcurate
cargo build --release --quiet
if [ ! -d "$DIR/data" ]; then
    echo "generating 16,000 pairs in $DIR/data ..." >&2
    "$BIN" synth "$DIR/data" --samples 32 --per-sample 500 --seed 7 --quiet
fi
"$BIN" index "$DIR/data" --workspace "$DIR/ws" --quiet >/dev/null
timed() { /usr/bin/time -f "%e %M" -o "$DIR/time.txt" "$@" >/dev/null 2>&1 || true; cat "$DIR/time.txt"; }
rm -rf "$DIR/export"
read -r new new_rss < <(timed "$BIN" export "$DIR/data" "$DIR/export" --workspace "$DIR/ws" --quiet)
read -r again again_rss < <(timed "$BIN" export "$DIR/data" "$DIR/export" --workspace "$DIR/ws" --force --quiet)
read -r tiled tiled_rss < <(timed "$BIN" export "$DIR/data" "$DIR/export-128" --workspace "$DIR/ws" --tile 128 --force --quiet)
files=$(find "$DIR/export" -path '*input-images/*.png' | wc -l)
size=$(du -sm "$DIR/export" | cut -f1)
echo "exported images: $files ($size MB)   machine: $(nproc) cores"
echo "| run | time (s) | peak RSS (MB) |"
echo "|---|---|---|"
echo "| export into a new folder | $new | $((new_rss / 1024)) |"
echo "| export over the earlier one (--force) | $again | $((again_rss / 1024)) |"
echo "| export as 128² tiles (64,000 files) | $tiled | $((tiled_rss / 1024)) |"
