#!/usr/bin/env bash
# Import memory (SPEC 5: a 16384×16384 image imported in ≤ 1 GB): `semcurate import` of the
# synthetic 268-Mpx grain texture of benches/big_image.sh (made there, reused here) into a new
# dataset as 256-px tiles with 32 px overlap; GNU time gives the peak RSS.
#   benches/import_big.sh [DIR]        (default /tmp/semcurate-big; SIDE=16384)
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${1:-/tmp/semcurate-big}
SIDE=${SIDE:-16384}
BIN=${CARGO_TARGET_DIR:-target}/release/semcurate
src="$DIR/data-$SIDE/90001/input-images/90001_big-01.png"
[ -f "$src" ] || { echo "run benches/big_image.sh $DIR first (it makes $src)" >&2; exit 2; }
cargo build --release --quiet
rm -rf "$DIR/imported"
/usr/bin/time -f "%e s, peak RSS %M KB" "$BIN" import "$src" --into "$DIR/imported" \
    --sample 90001 --pixel-size 0.5 --quiet | tail -1
echo "tiles: $(ls "$DIR/imported/90001/input-images" | wc -l)"
