#!/usr/bin/env bash
# Merge time for the parts of a sharded predict of 100,000 images (issue 15): a workspace with
# 100,000 image rows and N parts (default 16) holding their share of predictions, with maps of
# MAP bytes each (default 6000, about what a 256² tile's packed class and margin maps take),
# made with Python's sqlite3 from the schema `semcurate index` writes; then `semcurate merge`
# timed. Prints images, parts, database sizes and seconds.
#   benches/merge.sh [DIR] [PARTS] [MAP]   (default /tmp/semcurate-merge 16 6000)
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${1:-/tmp/semcurate-merge}
PARTS=${2:-16}
MAP=${3:-6000}
BIN=${CARGO_TARGET_DIR:-target}/release/semcurate
cargo build --release --quiet
rm -rf "$DIR" && mkdir -p "$DIR"
"$BIN" synth "$DIR/data" --samples 1 --per-sample 1 --size 32 --quiet
"$BIN" index "$DIR/data" --quiet >/dev/null
python3 - "$DIR/data/.semcurate" "$PARTS" "$MAP" <<'PY'
import json, os, random, sqlite3, sys
ws, parts, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
n = 100_000
main = sqlite3.connect(f"{ws}/index.sqlite")
main.execute("DELETE FROM images")
rows = [(i, f"s{i % 50:02d}", f"t{i:06d}", f"s{i % 50:02d}/g{i // 200}", f"s{i % 50:02d}/input-images/t{i:06d}.png",
         f"fp{i}", 256, 256, 8, 0.5, "features", 1, "absent", 0, 0) for i in range(1, n + 1)]
main.executemany("""INSERT INTO images (id, sample, stem, grp, image_path, image_fp, width, height, bit_depth,
    pixel_size, pixel_size_source, bin, mask_state, missing, indexed_at)
    VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)""", rows)
main.execute("INSERT INTO models (hash, dir, config, added_at) VALUES ('benchmodel', 'm', '{}', 0)")
main.commit()
main.execute("PRAGMA wal_checkpoint(TRUNCATE)")
rnd = random.Random(1)
blob = lambda: rnd.randbytes(size // 2)
for k in range(parts):
    d = f"{ws}/parts/predict-benchmodel-{k}of{parts}"
    os.makedirs(d)
    p = sqlite3.connect(f"{d}/index.sqlite")
    main.backup(p)
    p.execute("PRAGMA journal_mode=DELETE")
    p.execute("DELETE FROM images WHERE id % ? != ?", (parts, k))
    owned = [r[0] for r in p.execute("SELECT id FROM images")]
    p.executemany("""INSERT INTO predictions (image_id, model, image_fp, width, height, bin, used_bin, classes,
        margin, disagreement, mc_passes, per_class, mean_margin, created_at)
        VALUES (?, 'benchmodel', ?, 256, 256, 1, 1, ?, ?, NULL, 0, '[]', 0.5, 0)""",
        [(i, f"fp{i}", blob(), blob()) for i in owned])
    p.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('shard', ?)",
        (json.dumps({"model": "benchmodel", "shard": {"index": k, "count": parts}, "images": len(owned), "complete": True}),))
    p.commit()
    p.close()
PY
du -sh "$DIR/data/.semcurate/parts" | awk '{print "parts on disk: " $1}'
/usr/bin/time -f "merge: %e s, %M KB peak" "$BIN" merge "$DIR/data" --quiet | tail -1
/usr/bin/time -f "merge again (idempotent): %e s" "$BIN" merge "$DIR/data" --quiet | tail -1
du -sh "$DIR/data/.semcurate/index.sqlite" | awk '{print "workspace after merge: " $1}'
