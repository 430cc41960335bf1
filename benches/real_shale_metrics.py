#!/usr/bin/env python3
"""Data and metrics for benches/real_shale.sh (numpy and Pillow).

    real_shale_metrics.py prep DS OUT.npz    tiles of DS/train and DS/heldout (images/ + masks/,
                                             masks 0/255 read as classes 0/1) for the PyTorch side
    real_shale_metrics.py table RUNS DS      one markdown row per run folder RUNS/NAME, scored on
                                             DS/heldout from the saved class maps

Both sides are scored here, the same way, from saved class maps: semcurate's
(`predict --out`, RUN/pred/SAMPLE/output-images/NAME.png) and PyTorch's (RUN/pred/NAME.npy).
Pixel accuracy and per-class IoU come from one confusion matrix pooled over every held-out
pixel; mIoU is the mean of the per-class IoUs. For semcurate runs the figures are checked
against `semcurate audit --json` (RUN/audit.json) and a disagreement is printed.
"""
import json
import pathlib
import sys

import numpy as np
from PIL import Image

MASK_VALUES = {0: 0, 255: 1}
CLASSES = ["Mx", "Gr"]


def tiles(part):
    part = pathlib.Path(part)
    out = []
    for img in sorted((part / "images").glob("*.tif")):
        stem, num = img.stem.rsplit("_", 1)
        raw = np.array(Image.open(part / "masks" / f"{stem}_MASK_{num}.tif"))
        mask = np.full(raw.shape, 255, np.uint8)
        for v, c in MASK_VALUES.items():
            mask[raw == v] = c
        assert (mask != 255).all(), f"{img}: mask values outside {sorted(MASK_VALUES)}"
        out.append((img.stem, np.array(Image.open(img).convert("L")), mask))
    return out


def prep(ds, npz):
    tr, ho = tiles(pathlib.Path(ds) / "train"), tiles(pathlib.Path(ds) / "heldout")
    np.savez_compressed(
        npz, classes=len(CLASSES),
        train_names=[t[0] for t in tr], train_images=np.stack([t[1] for t in tr]),
        train_masks=np.stack([t[2] for t in tr]),
        heldout_names=[t[0] for t in ho], heldout_images=np.stack([t[1] for t in ho]),
        heldout_masks=np.stack([t[2] for t in ho]))
    print(f"{npz}: {len(tr)} train, {len(ho)} held-out tiles")


def load_pred(run, name):
    npy = run / "pred" / f"{name}.npy"
    if npy.exists():
        return np.load(npy)
    pngs = list((run / "pred").glob(f"*/output-images/{name}.png"))
    if len(pngs) != 1:
        raise FileNotFoundError(f"{run}: no prediction for {name}")
    return np.array(Image.open(pngs[0]))


def score(run, heldout):
    k = len(CLASSES)
    conf = np.zeros((k, k), np.int64)
    for name, _, mask in heldout:
        pred = load_pred(run, name)
        assert pred.shape == mask.shape, f"{run}/{name}: {pred.shape} vs {mask.shape}"
        conf += np.bincount(mask.ravel().astype(np.int64) * k + pred.ravel(),
                            minlength=k * k).reshape(k, k)
    tp = np.diag(conf).astype(float)
    union = conf.sum(0) + conf.sum(1) - tp
    iou = np.where(union > 0, tp / np.maximum(union, 1), np.nan)
    return {"acc": tp.sum() / conf.sum(), "miou": float(np.nanmean(iou)), "iou": iou.tolist()}


def table(runs, ds):
    runs = pathlib.Path(runs)
    heldout = tiles(pathlib.Path(ds) / "heldout")
    rows = []
    for run in sorted(p for p in runs.iterdir() if (p / "meta.json").exists()):
        meta = json.loads((run / "meta.json").read_text())
        try:
            s = score(run, heldout)
        except FileNotFoundError as e:
            print(f"skipped: {e}", file=sys.stderr)
            continue
        audit = run / "audit.json"
        if audit.exists():
            a = json.loads(audit.read_text())
            if abs(a["pixel_accuracy"] - s["acc"]) > 1e-6 or abs(a["mean_iou"] - s["miou"]) > 1e-6:
                print(f"warning: {run.name}: audit says acc {a['pixel_accuracy']:.4f} mIoU "
                      f"{a['mean_iou']:.4f}, the saved masks give {s['acc']:.4f} / {s['miou']:.4f}",
                      file=sys.stderr)
        rows.append((meta, s, run.name))
    print("| run | trainer | seed | options | held-out pixel acc | mIoU | IoU Mx | IoU Gr | train s | load before |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    order = {"pytorch": 0, "semcurate": 1}
    for meta, s, name in sorted(rows, key=lambda r: (order.get(r[0]["impl"], 2), r[0].get("order", 99), r[0]["seed"])):
        iou = " | ".join(f"{v:.3f}" for v in s["iou"])
        print(f"| {meta.get('variant', name)} | {meta['impl']} | {meta['seed']} | {meta.get('options', '')} | "
              f"{s['acc']:.3f} | {s['miou']:.3f} | {iou} | {meta['train_seconds']:.0f} | {meta.get('load', '')} |")
    with open(runs / "scores.json", "w") as f:
        json.dump({name: {**s, "meta": meta} for meta, s, name in rows}, f, indent=1)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "prep":
        prep(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 4 and sys.argv[1] == "table":
        table(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
