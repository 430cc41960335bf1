#!/usr/bin/env python3
"""Independent check of `semcurate stats --json` against the files themselves.

Counts images, masks and per-class pixels of a MineralClassifier-layout dataset with PIL and
numpy (no semcurate code), bins pixel sizes with the same edges, and compares with the JSON
that `semcurate stats DATASET --bins EDGES --json` printed. Exit 0 when everything matches.

    semcurate stats /tmp/d --bins 0.25,1.8 --json > /tmp/stats.json
    python3 docs/verify_counts.py /tmp/d /tmp/stats.json 0.25,1.8
"""
import bisect
import json
import pathlib
import sys

import numpy as np
from PIL import Image

root, stats_path, edges = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3]
edges = [float(e) for e in edges.split(",")]
stats = json.load(open(stats_path))
n_classes = len(stats["classes"])

images = sorted(p for p in root.glob("*/input-images/*.png"))
labelled, unlabelled = 0, 0
pixels = np.zeros(n_classes, dtype=np.int64)
images_with = np.zeros(n_classes, dtype=np.int64)
bins = [{"images": 0, "labelled": 0} for _ in range(len(edges) + 1)]
samples = {}
for img in images:
    sample, stem = img.parts[-3], img.stem
    mask = root / sample / "output-images" / f"{stem}.png"
    px = float(open(root / sample / "input-features" / f"{stem}.txt").readline().split(":")[1])
    k = bisect.bisect_left(edges, px)  # edge[k-1] < px <= edge[k]
    bins[k]["images"] += 1
    s = samples.setdefault(sample, {"images": 0, "labelled": 0})
    s["images"] += 1
    if mask.exists():
        m = np.asarray(Image.open(mask))
        counts = np.bincount(m.ravel(), minlength=n_classes)
        assert len(counts) == n_classes, f"{mask}: value outside the schema"
        pixels += counts
        images_with += counts > 0
        labelled += 1
        bins[k]["labelled"] += 1
        s["labelled"] += 1
    else:
        unlabelled += 1

checks = [
    ("images", len(images), stats["totals"]["images"]),
    ("labelled", labelled, stats["totals"]["labelled"]),
    ("unlabelled", unlabelled, stats["totals"]["unlabelled"]),
    ("labelled_pixels", int(pixels.sum()), stats["totals"]["labelled_pixels"]),
]
for c in range(n_classes):
    checks.append((f"class {c} pixels", int(pixels[c]), stats["classes"][c]["pixels"]))
    checks.append((f"class {c} images", int(images_with[c]), stats["classes"][c]["images"]))
for k, b in enumerate(bins):
    checks.append((f"bin {k} images", b["images"], stats["bins"][k]["images"]))
    checks.append((f"bin {k} labelled", b["labelled"], stats["bins"][k]["labelled"]))
for s in stats["samples"]:
    checks.append((f"sample {s['name']} images", samples[s["name"]]["images"], s["images"]))
    checks.append((f"sample {s['name']} labelled", samples[s["name"]]["labelled"], s["labelled"]))
split_images = sum(s["images"] for s in stats["splits"])
checks.append(("labelled images in splits", labelled, split_images))

bad = [(name, mine, theirs) for name, mine, theirs in checks if mine != theirs]
for name, mine, theirs in bad:
    print(f"MISMATCH {name}: independent {mine}, semcurate {theirs}")
print(f"{len(checks) - len(bad)}/{len(checks)} checks match "
      f"({len(images)} images, {labelled} labelled, {int(pixels.sum())} labelled pixels)")
sys.exit(1 if bad else 0)
