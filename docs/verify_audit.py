#!/usr/bin/env python3
"""Recompute `semcurate audit --json` from the files: true masks of the dataset and predicted
masks written by `semcurate predict --out`, with numpy (no semcurate code). Compares the overall
confusion matrix (exactly), pixel accuracy, mean IoU and per-class IoU/precision/recall (to
1e-12), and the per-bin and per-sample confusion matrices. Exit 0 when everything agrees.

    semcurate predict DATASET --out OUT
    semcurate audit DATASET --json > audit.json
    python3 docs/verify_audit.py DATASET OUT audit.json
"""
import bisect
import json
import pathlib
import sys

import numpy as np
from PIL import Image

root, out, audit_path = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), sys.argv[3]
audit = json.load(open(audit_path))
n = len(audit["classes"])
edges = audit["bin_edges"]

overall = np.zeros((n, n), dtype=np.int64)
by_bin = [np.zeros((n, n), dtype=np.int64) for _ in range(len(edges) + 1)]
by_sample = {}
images = 0
for mask in sorted(root.glob("*/output-images/*.png")):
    sample, stem = mask.parts[-3], mask.stem
    pred_path = out / sample / "output-images" / f"{stem}.png"
    truth = np.asarray(Image.open(mask)).astype(np.int64).ravel()
    pred = np.asarray(Image.open(pred_path)).astype(np.int64).ravel()
    m = np.bincount(truth * n + pred, minlength=n * n).reshape(n, n)
    px = float(open(root / sample / "input-features" / f"{stem}.txt").readline().split(":")[1])
    overall += m
    by_bin[bisect.bisect_left(edges, px)] += m
    by_sample[sample] = by_sample.get(sample, np.zeros((n, n), dtype=np.int64)) + m
    images += 1

bad = []


def close(a, b):
    return (a is None and b is None) or (a is not None and b is not None and abs(a - b) < 1e-12)


def check_group(name, m, group):
    if not np.array_equal(m, np.array(group["confusion"])):
        bad.append(f"{name}: confusion matrix differs")
    tp = np.diag(m).astype(float)
    support, predicted = m.sum(1), m.sum(0)
    union = support + predicted - np.diag(m)
    ious = [tp[c] / union[c] if union[c] else None for c in range(n)]
    defined = [v for v in ious if v is not None]
    acc = tp.sum() / m.sum() if m.sum() else None
    if not close(acc, group["pixel_accuracy"]):
        bad.append(f"{name}: pixel accuracy {acc} vs {group['pixel_accuracy']}")
    miou = sum(defined) / len(defined) if defined else None
    if not close(miou, group["mean_iou"]):
        bad.append(f"{name}: mean IoU {miou} vs {group['mean_iou']}")
    for c, s in enumerate(group["per_class"]):
        prec = tp[c] / predicted[c] if predicted[c] else None
        rec = tp[c] / support[c] if support[c] else None
        for what, mine, theirs in (("iou", ious[c], s["iou"]), ("precision", prec, s["precision"]), ("recall", rec, s["recall"])):
            if not close(mine, theirs):
                bad.append(f"{name}: class {c} {what} {mine} vs {theirs}")


check_group("overall", overall, audit)
for b in audit["bins"]:
    check_group(f"bin {b['bin']}", by_bin[b["bin"]], b)
for s in audit["samples"]:
    check_group(f"sample {s['name']}", by_sample[s["name"]], s)
for line in bad:
    print("MISMATCH", line)
print(f"{images} images, {int(overall.sum())} pixels: "
      f"{'every value agrees' if not bad else f'{len(bad)} mismatches'} "
      f"(pixel accuracy {audit['pixel_accuracy']:.6f}, mean IoU {audit['mean_iou']:.6f})")
sys.exit(1 if bad else 0)
