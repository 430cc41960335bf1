#!/usr/bin/env python3
"""Turn full masks into scribble masks, like a person would draw them (issue 23 §4).

    scribbles.py SRC DST [--share 0.05] [--seed 0] [--unlabelled 255] [--json OUT.json]

SRC and DST are datasets in the MineralClassifier layout (SAMPLE/output-images/NAME.png, 8-bit
masks of class ids). Every mask under SRC is read and a scribble mask with the same name is
written under DST (DST must already hold a copy of the dataset: only output-images/*.png are
replaced). SRC is only read.

What a scribble mask holds (everything else is `--unlabelled`, 255 by default):

- strokes of a round pen 3 or 5 px wide (drawn per stroke at random), each a smooth random walk
  (heading changes by N(0, 0.12 rad) per px, turns away from the edge) of 15–70 px (up to 3×
  longer on grains larger than 64² px, never longer than 2·sqrt(grain area)), kept on
  pixels at least one pen radius + 1 px inside its grain (8-connected region of one class), so
  a stroke never crosses a class boundary: a careful annotator, no slips;
- a grain too thin for the pen gets a dot instead: a 3×3 square at its deepest pixel, clipped
  to the grain;
- every class present in the image gets one stroke (or dot) on its largest grain first; then
  strokes go to grains drawn with probability ∝ area (large grains get most), at most 4 + one
  per 4,000 px strokes and at most 30 % of a grain's area per grain, until `--share` of the
  image's pixels are labelled; the last stroke is cut where the share is reached.

Only numpy and Pillow. The random stream of each image is seeded by (seed, CRC-32 of its path
under SRC), so the result does not depend on the order files are read in. Prints one JSON line
per image (path, classes, labelled share, strokes, dots) and a summary; --json writes them.
"""

import argparse
import json
import math
import sys
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

PEN_WIDTHS = (3, 5)
MAX_STROKES_PER_GRAIN = 4  # plus one per 4,000 px of grain
MAX_GRAIN_SHARE = 0.30
STROKE_LEN = (15, 70)


def disk(width):
    r = width / 2.0
    k = int(math.floor(r))
    return [(dy, dx) for dy in range(-k, k + 1) for dx in range(-k, k + 1) if dy * dy + dx * dx <= r * r]


def shift(a, dy, dx):
    """a shifted by (dy, dx), padded with False."""
    out = np.zeros_like(a)
    h, w = a.shape
    ys, yd = (slice(0, h - dy), slice(dy, h)) if dy >= 0 else (slice(-dy, h), slice(0, h + dy))
    xs, xd = (slice(0, w - dx), slice(dx, w)) if dx >= 0 else (slice(-dx, w), slice(0, w + dx))
    out[yd, xd] = a[ys, xs]
    return out


def erode(a):
    """One 3×3 erosion; the image border counts as outside."""
    out = a.copy()
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            if dy or dx:
                out &= shift(a, dy, dx)
    return out


def depth_map(a):
    """Chessboard depth: 1 on every pixel of a, k where a survives k − 1 erosions."""
    depth = np.zeros(a.shape, np.int32)
    cur = a.copy()
    while cur.any():
        depth += cur
        cur = erode(cur)
    return depth


def components(a):
    """8-connected components of a: label image (0 = background, 1..n) and n."""
    h, w = a.shape
    labels = np.zeros((h, w), np.int32)
    n = 0
    ys, xs = np.nonzero(a)
    for y0, x0 in zip(ys.tolist(), xs.tolist()):
        if labels[y0, x0]:
            continue
        n += 1
        labels[y0, x0] = n
        stack = [(y0, x0)]
        while stack:
            y, x = stack.pop()
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    yy, xx = y + dy, x + dx
                    if 0 <= yy < h and 0 <= xx < w and a[yy, xx] and not labels[yy, xx]:
                        labels[yy, xx] = n
                        stack.append((yy, xx))
    return labels, n


def max_strokes(g):
    return MAX_STROKES_PER_GRAIN + g.area // 4000


class Grain:
    def __init__(self, cls, pixels_yx, depth):
        self.cls = cls
        self.ys, self.xs = pixels_yx
        self.area = len(self.ys)
        self.depth = depth[self.ys, self.xs]
        self.strokes = 0
        self.labelled = 0


def scribble(mask, classes, share, unlabelled, rng):
    h, w = mask.shape
    out = np.full((h, w), unlabelled, np.uint8)
    target = int(round(share * h * w))
    grains = []
    comp_of = {}  # class -> (label image, grain list offset)
    depth_of = {}
    for c in classes:
        region = mask == c
        depth = depth_map(region)
        labels, n = components(region)
        flat = labels.ravel()
        order = np.argsort(flat, kind="stable")
        bounds = np.searchsorted(flat[order], np.arange(1, n + 2))
        first = len(grains)
        for k in range(n):
            idx = order[bounds[k]:bounds[k + 1]]
            grains.append(Grain(c, (idx // w, idx % w), depth))
        comp_of[c] = (labels, first)
        depth_of[c] = depth

    state = {"labelled": 0, "strokes": 0, "dots": 0}

    def paint(y, x, offsets, grain, labels, lab, limit):
        added = 0
        for dy, dx in offsets:
            yy, xx = y + dy, x + dx
            if 0 <= yy < h and 0 <= xx < w and labels[yy, xx] == lab and out[yy, xx] == unlabelled:
                out[yy, xx] = grain.cls
                added += 1
                if state["labelled"] + added >= limit:
                    break
        state["labelled"] += added
        grain.labelled += added
        return added

    def stroke(gi, limit):
        g = grains[gi]
        labels, first = comp_of[g.cls]
        lab = gi - first + 1
        depth = depth_of[g.cls]
        width = int(rng.choice(PEN_WIDTHS))
        need = width // 2 + 2  # pen radius + 1 px inside the grain
        if int(g.depth.max()) < 3:  # too thin even for the 3-px pen: a dot at its deepest pixel
            k = int(np.argmax(g.depth))
            paint(int(g.ys[k]), int(g.xs[k]), disk(3), g, labels, lab, limit)
            g.strokes += 1
            state["dots"] += 1
            return
        if int(g.depth.max()) < need:
            width, need = 3, 3
        ok = np.nonzero(g.depth >= need)[0]
        k = int(ok[rng.integers(len(ok))])
        y, x = float(g.ys[k]), float(g.xs[k])
        offsets = disk(width)
        scale = min(3.0, max(1.0, math.sqrt(g.area) / 64))  # longer strokes on large grains
        length = int(scale * rng.integers(STROKE_LEN[0], STROKE_LEN[1] + 1))
        length = min(length, max(1, int(2 * math.sqrt(g.area))))
        grain_cap = max(9, int(MAX_GRAIN_SHARE * g.area))
        heading = rng.uniform(0, 2 * math.pi)

        def inside(yy, xx):
            iy, ix = int(round(yy)), int(round(xx))
            return 0 <= iy < h and 0 <= ix < w and labels[iy, ix] == lab and depth[iy, ix] >= need

        paint(int(round(y)), int(round(x)), offsets, g, labels, lab, limit)
        for _ in range(length):
            if state["labelled"] >= limit or g.labelled >= grain_cap:
                break
            heading += rng.normal(0, 0.12)
            for turn in (0, 0.5, -0.5, 1.0, -1.0, 1.6, -1.6, 2.4, -2.4, math.pi):
                ny, nx = y + math.sin(heading + turn), x + math.cos(heading + turn)
                if inside(ny, nx):
                    heading += turn
                    y, x = ny, nx
                    break
            else:
                break
            paint(int(round(y)), int(round(x)), offsets, g, labels, lab, limit)
        g.strokes += 1
        state["strokes"] += 1

    # 1. every class present: one stroke (or dot) on its largest grain
    for c in classes:
        idx = [i for i, g in enumerate(grains) if g.cls == c]
        stroke(max(idx, key=lambda i: grains[i].area), limit=max(target, state["labelled"] + 1))
    # 2. more strokes, grains drawn ∝ sqrt(area), until the share is reached
    while state["labelled"] < target:
        open_ = [
            i
            for i, g in enumerate(grains)
            if g.strokes < max_strokes(g) and g.labelled < max(9, int(MAX_GRAIN_SHARE * g.area))
        ]
        if not open_:
            break
        p = np.array([grains[i].area for i in open_], float)
        stroke(open_[int(rng.choice(len(open_), p=p / p.sum()))], limit=target)
    return out, state


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("src", type=Path)
    ap.add_argument("dst", type=Path)
    ap.add_argument("--share", type=float, default=0.05)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--unlabelled", type=int, default=255)
    ap.add_argument("--classes", type=int, default=10, help="class ids 0..N-1 are scribbled")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()

    rows = []
    for src in sorted(args.src.glob("*/output-images/*.png")):
        rel = src.relative_to(args.src)
        dst = args.dst / rel
        if not dst.parent.is_dir():
            sys.exit(f"{dst.parent} does not exist: copy the dataset to {args.dst} first")
        mask = np.array(Image.open(src))
        if mask.ndim != 2 or mask.dtype != np.uint8:
            sys.exit(f"{src}: not an 8-bit grey mask")
        classes = [int(c) for c in np.unique(mask) if c < args.classes]
        rng = np.random.default_rng([args.seed, zlib.crc32(str(rel).encode())])
        out, st = scribble(mask, classes, args.share, args.unlabelled, rng)
        # never a wrong label: every labelled pixel keeps its true class
        lab = out != args.unlabelled
        assert (out[lab] == mask[lab]).all()
        missing = [c for c in classes if not (out == c).any()]
        Image.fromarray(out, mode="L").save(dst)
        row = {
            "path": str(rel),
            "classes": classes,
            "classes_missing": missing,
            "labelled": int(lab.sum()),
            "pixels": int(mask.size),
            "share": round(float(lab.mean()), 5),
            "strokes": st["strokes"],
            "dots": st["dots"],
        }
        rows.append(row)
        print(json.dumps(row))
    shares = np.array([r["share"] for r in rows])
    summary = {
        "images": len(rows),
        "labelled": int(sum(r["labelled"] for r in rows)),
        "pixels": int(sum(r["pixels"] for r in rows)),
        "share_mean": round(float(shares.mean()), 5),
        "share_min": round(float(shares.min()), 5),
        "share_max": round(float(shares.max()), 5),
        "strokes": int(sum(r["strokes"] for r in rows)),
        "dots": int(sum(r["dots"] for r in rows)),
        "images_with_a_class_missing": sum(1 for r in rows if r["classes_missing"]),
        "seed": args.seed,
        "target_share": args.share,
    }
    print(json.dumps({"summary": summary}))
    if args.json:
        args.json.write_text(json.dumps({"summary": summary, "images": rows}, indent=1) + "\n")


if __name__ == "__main__":
    main()
