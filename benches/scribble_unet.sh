#!/usr/bin/env bash
# Issue 23 §4: a U-Net trained on scribbles (about 5 % of the pixels of each image) against the
# same recipe on the full masks, both scored on the demo's test split with the FULL masks.
#   benches/scribble_unet.sh [SEMCURATE] [WORKDIR]
#     SEMCURATE  the binary (default target/release/semcurate; not built here)
#     WORKDIR    where the copies, models, logs and results go (default /tmp/semcurate-scribbles)
# Environment: SEEDS="1 2 3" (training seeds), SHARE=0.05, SCRIBBLE_SEED=0, EPOCHS=30, STEPS=50,
#   PYTHON=python3 (needs numpy and Pillow), REUSE=1 keeps models already trained in WORKDIR.
# datasets/demo is only read: both runs work on copies in WORKDIR. docs/SCRIBBLES.md has the
# results and the method.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
BIN=$(realpath "${1:-target/release/semcurate}")
W=${2:-/tmp/semcurate-scribbles}
PY=${PYTHON:-python3}
SEEDS=${SEEDS:-1 2 3}
SHARE=${SHARE:-0.05}
SCRIBBLE_SEED=${SCRIBBLE_SEED:-0}
EPOCHS=${EPOCHS:-30}
STEPS=${STEPS:-50}
REUSE=${REUSE:-0}
RECIPE=(--single --width 8 --crop 96 --batch 8 --epochs "$EPOCHS" --steps-per-epoch "$STEPS"
    --lr 2e-3 --cosine --balance 1)

mkdir -p "$W/models" "$W/logs" "$W/audit"
cd "$W"

# 1. Two copies of the demo: full masks, and the same images with scribble masks.
rm -rf full scrib
cp -r "$REPO/datasets/demo" full
cp -r "$REPO/datasets/demo" scrib
rm -rf full/.semcurate scrib/.semcurate
"$PY" "$REPO/benches/scribbles.py" full scrib --share "$SHARE" --seed "$SCRIBBLE_SEED" \
    --json scribbles.json > logs/scribbles.log
tail -n 1 logs/scribbles.log

# 2. Index both; the splits (assigned per group at index time) must be the same.
"$BIN" index full > logs/index-full.log
"$BIN" index scrib > logs/index-scrib.log
"$PY" - <<'EOF'
import sqlite3, sys
q = "select grp, split from splits order by grp"
a = sqlite3.connect("full/.semcurate/index.sqlite").execute(q).fetchall()
b = sqlite3.connect("scrib/.semcurate/index.sqlite").execute(q).fetchall()
if a != b or not a:
    sys.exit(f"splits differ between the copies:\n{a}\n{b}")
print(f"splits: the same {len(a)} groups in both copies:", ", ".join(f"{g}={s}" for g, s in a))
EOF

# 3. Train both on the same recipe (val = the copy's own val split: scribbles for the scribble
#    run), then predict the FULL copy with each model and audit val and test there.
for seed in $SEEDS; do
    for kind in full scrib; do
        m=models/$kind-s$seed
        if [[ $REUSE == 1 && -f $m/model_card.json ]]; then
            echo "reusing $m"
        else
            echo "training $m ($(uptime | sed 's/.*load/load/'))"
            t0=$(date +%s)
            nice -n 10 "$BIN" train "$kind" --out "$m" "${RECIPE[@]}" --seed "$seed" --force \
                > "logs/train-$kind-s$seed.log" 2>&1
            echo "  $(( $(date +%s) - t0 )) s wall ($(uptime | sed 's/.*load/load/'))"
            uptime > "$m.load"
        fi
        "$BIN" predict full --model "$m" -q --json > "logs/predict-$kind-s$seed.json"
        for split in val test; do
            "$BIN" audit full --model "$m" --split "$split" --json -q > "audit/$kind-s$seed-$split.json"
        done
    done
done

# 4. The table. val and test: audited on the FULL copy (full masks); 'its val mIoU as trained':
#    what the trainer saw when it kept that epoch (scribble pixels for the scribble runs).
SEEDS="$SEEDS" "$PY" - <<'EOF'
import json, os, sqlite3
seeds = os.environ["SEEDS"].split()
db = sqlite3.connect("scrib/.semcurate/index.sqlite")
train_px = db.execute(
    "select sum(i.width * i.height) from images i join splits s on s.grp = i.grp "
    "where s.split = 'train' and i.mask_path is not null").fetchone()[0]
shorts = None
rows, mious = [], {}
for seed in seeds:
    for kind in ("full", "scrib"):
        card = json.load(open(f"models/{kind}-s{seed}/model_card.json"))
        val = json.load(open(f"audit/{kind}-s{seed}-val.json"))
        test = json.load(open(f"audit/{kind}-s{seed}-test.json"))
        shorts = [c["short"] for c in test["per_class"]]
        b = card["bins"][0]["training"]
        iou = ["n/a" if c["iou"] is None else f"{c['iou']:.3f}" for c in test["per_class"]]
        share = card["labelled_pixels"]["train"] / train_px
        name = "full masks" if kind == "full" else "scribbles"
        mious[(seed, kind)] = test["mean_iou"]
        rows.append(
            f"| {name}, seed {seed} | {share:.3f} | {val['pixel_accuracy']:.3f} | {val['mean_iou']:.3f} | "
            f"{test['pixel_accuracy']:.3f} | **{test['mean_iou']:.3f}** | " + " | ".join(iou)
            + f" | {b['best_epoch']} ({b['best_val']['mean_iou']:.3f}) | {card['training_seconds']:.0f} s |")
print()
print("| run | labelled share of train pixels | val pixel acc. | val mIoU | test pixel acc. | test mIoU | "
      + " | ".join(shorts) + " | best epoch (its val mIoU as trained) | training |")
print("|---" * (8 + len(shorts)) + "|")
print("\n".join(rows))
print()
for seed in seeds:
    r = mious[(seed, "scrib")] / mious[(seed, "full")]
    print(f"seed {seed}: scribble / full test mIoU = {mious[(seed, 'scrib')]:.3f} / "
          f"{mious[(seed, 'full')]:.3f} = {r:.2f} (goal >= 0.80: {'met' if r >= 0.8 else 'missed'})")
ms = sum(mious[(s, "scrib")] for s in seeds) / len(seeds)
mf = sum(mious[(s, "full")] for s in seeds) / len(seeds)
print(f"mean over seeds: {ms:.3f} / {mf:.3f} = {ms / mf:.2f} "
      f"(goal >= 0.80: {'met' if ms / mf >= 0.8 else 'missed'})")
EOF
