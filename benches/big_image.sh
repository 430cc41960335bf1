#!/usr/bin/env bash
# Memory follows the tile, not the image (SPEC 5): `semcurate predict` on one SIDE×SIDE BSE
# image (default 16384, 268 Mpx) with the shipped model; peak RSS (GNU time's "Maximum
# resident set size") must stay ≤ 1 GB. The image is a synthetic grain texture written by a
# dependency-free Python PNG encoder (zlib only), kept in DIR for reruns.
#   benches/big_image.sh [DIR]        (default /tmp/semcurate-big; SIDE=16384)
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${1:-/tmp/semcurate-big}
SIDE=${SIDE:-16384}
BIN=${CARGO_TARGET_DIR:-target}/release/semcurate
cargo build --release --quiet
data="$DIR/data-$SIDE/90001"
if [ ! -f "$data/input-images/90001_big-01.png" ]; then
    mkdir -p "$data/input-images" "$data/input-features"
    python3 - "$data/input-images/90001_big-01.png" "$SIDE" <<'PY'
import struct, sys, zlib
path, side = sys.argv[1], int(sys.argv[2])
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
comp = zlib.compressobj(1)
with open(path, "wb") as f:
    f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)))
    # Grains: grey levels of pyroxene, plagioclase and ilmenite in 97-px cells, with noise.
    levels = bytes([120, 80, 200, 140])
    idat = bytearray()
    rows = {}
    for y in range(side):
        key = ((y // 97) % 4, y % 8)
        if key not in rows:
            rows[key] = b"\x00" + bytes(
                levels[(x // 97 + key[0] * 3) % 4] ^ ((x * 31 + key[1] * 17) & 7) for x in range(side))
        idat += comp.compress(rows[key])
        if len(idat) > 1 << 24:
            f.write(chunk(b"IDAT", bytes(idat))); idat.clear()
    idat += comp.flush()
    f.write(chunk(b"IDAT", bytes(idat)) + chunk(b"IEND", b""))
PY
    echo "pixel_size: 0.5" > "$data/input-features/90001_big-01.txt"
fi
rm -rf "$DIR/ws"
/usr/bin/time -f "seconds %e peak_rss_kb %M" "$BIN" predict "$DIR/data-$SIDE" --workspace "$DIR/ws" \
    --model models/default --quiet
