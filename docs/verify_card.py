#!/usr/bin/env python3
"""Recompute a model card's test metrics from `semcurate predict --out` masks.

Reads the test split from the dataset's workspace (SQLite), the true masks from the dataset,
and the predicted masks from OUT/SAMPLE/output-images/NAME.png, builds the pixel confusion
matrix with numpy (no semcurate code), and compares pixel accuracy, mean IoU and per-class IoU,
overall and per scale bin, with model_card.json. Exit 0 when every value agrees to 1e-9.

    semcurate predict DATASET --model MODEL --out OUT
    python3 docs/verify_card.py MODEL DATASET OUT [WORKSPACE]
"""
import bisect
import json
import pathlib
import sqlite3
import sys

import numpy as np
from PIL import Image

model, root, out = (pathlib.Path(a) for a in sys.argv[1:4])
ws = pathlib.Path(sys.argv[4]) if len(sys.argv) > 4 else root / ".semcurate"
card = json.load(open(model / "model_card.json"))
config = json.load(open(model / "config.json"))
edges = config["bins"]
n = len(config["schema"]["classes"])

db = sqlite3.connect(ws / "index.sqlite")
rows = db.execute(
    "SELECT i.sample, i.stem, i.mask_path, i.pixel_size FROM images i JOIN splits s ON s.grp = i.grp "
    "WHERE s.split = 'test' AND i.mask_state = 'valid' AND i.missing = 0 AND i.pixel_size IS NOT NULL"
).fetchall()

conf = {k: np.zeros((n, n), dtype=np.int64) for k in range(len(edges) + 1)}
for sample, stem, mask_path, px in rows:
    truth = np.asarray(Image.open(root / mask_path)).astype(np.int64).ravel()
    pred = np.asarray(Image.open(out / sample / "output-images" / f"{stem}.png")).astype(np.int64).ravel()
    k = bisect.bisect_left(edges, px)
    conf[k] += np.bincount(truth * n + pred, minlength=n * n).reshape(n, n)


def metrics(m):
    tp = np.diag(m).astype(float)
    union = m.sum(0) + m.sum(1) - np.diag(m)
    iou = [tp[c] / union[c] if union[c] > 0 else None for c in range(n)]
    defined = [v for v in iou if v is not None]
    return {
        "pixel_accuracy": tp.sum() / m.sum() if m.sum() else None,
        "mean_iou": sum(defined) / len(defined) if defined else None,
        "iou": iou,
    }


def compare(name, mine, theirs):
    bad = 0
    pairs = [("pixel_accuracy", mine["pixel_accuracy"], theirs["pixel_accuracy"]),
             ("mean_iou", mine["mean_iou"], theirs["mean_iou"])]
    pairs += [(f"IoU {c['short']}", mine["iou"][c["id"]], c["iou"]) for c in theirs["per_class"]]
    for what, a, b in pairs:
        same = (a is None and b is None) or (a is not None and b is not None and abs(a - b) < 1e-9)
        if not same:
            bad += 1
            print(f"MISMATCH {name} {what}: recomputed {a}, card {b}")
    return len(pairs) - bad, len(pairs)


ok = total = 0
all_conf = sum(conf.values())
good, count = compare("all bins", metrics(all_conf), card["test"])
ok, total = ok + good, total + count
for b in card["bins"]:
    if b["test"]:
        good, count = compare(f"bin {b['bin']}", metrics(conf[b["bin"]]), b["test"])
        ok, total = ok + good, total + count
print(f"{ok}/{total} card values recomputed from {len(rows)} test images agree")
sys.exit(0 if ok == total else 1)
