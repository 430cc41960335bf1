#!/usr/bin/env python3
"""Reads a `semcurate export` the way the MineralClassifier study's loader does, and fails on
anything that loader would fail on, skip, or read differently from what the manifest says.

The study's rules (see ../shared/reference/SEED_MODEL_FORMAT.md and the issue that asked for
this check):
- images are `SAMPLE/input-images/NAME.png`, masks `SAMPLE/output-images/NAME.png` with the
  same NAME, pixel sizes `SAMPLE/input-features/NAME.txt`, paired by exact file name; an
  image without a mask or a pixel-size file is skipped silently, so none may exist;
- the pixel size is keyed by file stem over all samples, so stems must be unique;
- the extension is exactly `.png` (lower case) and the stem has no other dot (its inference
  helpers split on the first `.`);
- the first line of the pixel-size file starts with `pixel_size:` and the float after the
  colon is the pixel size;
- image and mask are opened with PIL and converted with `Grayscale()` (= `convert("L")`);
  the mask is the same size as its image and its values are class ids of the schema;
- an image goes to the large U-Net when pixel_size > 1.8 µm/px, else to the small one;
- the split group is the file-name part before the first `-`: a group must not straddle
  two splits;
- the U-Net pools three times and concatenates its skips, so an image whose width or height
  is not a multiple of 8 fails in the forward pass.

Only numpy and Pillow. Usage:

    python3 docs/check_export.py EXPORT_DIR

Exit 0 when the export loads as the manifest says; 1 with one line per problem otherwise.
"""
import hashlib
import json
import pathlib
import sys

import numpy as np
from PIL import Image

ROUTE_EDGE = 1.8


def study_pixel_size(path):
    """The study's parse: the float after the colon on the first line."""
    first = path.read_text(encoding="utf-8").splitlines()[0]
    if not first.startswith("pixel_size:"):
        raise ValueError(f"first line {first!r} does not start with 'pixel_size:'")
    return float(first.split(":", 1)[1])


def grey(path):
    """`transforms.Grayscale()` as the study applies it: PIL convert('L')."""
    with Image.open(path) as im:
        return np.asarray(im.convert("L"))


def main(root):
    problems = []
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    if manifest.get("format") != "semcurate-export":
        return [f"{root}/manifest.json is not a semcurate export manifest"]
    classes = len(manifest["class_short"])
    unlabelled = manifest.get("unlabelled_value")
    rows = {r["name"]: r for r in manifest["images"]}
    if len(rows) != len(manifest["images"]):
        problems.append("the manifest names a file twice")

    samples = sorted(p for p in root.iterdir() if p.is_dir())
    seen = {}
    groups = {}
    for sample in samples:
        if sample.name.startswith("."):
            # semcurate's own workspace, when `semcurate train` ran on the export.
            print(
                f"warning: {sample.name}/ at the export's root: a loader that lists every "
                "folder takes it for a sample; delete it (or train with --workspace DIR) "
                "before handing the export to the study's code"
            )
            continue
        images = sample / "input-images"
        if not images.is_dir():
            problems.append(f"{sample.name}/ has no input-images folder")
            continue
        for img in sorted(images.iterdir()):
            name = img.name
            if not name.endswith(".png"):
                problems.append(f"{img}: extension is not exactly '.png'")
                continue
            stem = name[: -len(".png")]
            if "." in stem:
                problems.append(f"{img}: the stem has another dot (the study splits on the first)")
            if stem in seen:
                problems.append(f"{img}: stem '{stem}' also in sample {seen[stem]}")
            seen[stem] = sample.name
            mask = sample / "output-images" / name
            feats = sample / "input-features" / (stem + ".txt")
            if not mask.is_file() or not feats.is_file():
                problems.append(f"{img}: no mask or no pixel-size file (the loader skips it)")
                continue
            try:
                ps = study_pixel_size(feats)
            except (ValueError, IndexError, UnicodeDecodeError) as e:
                problems.append(f"{feats}: {e}")
                continue
            x, y = grey(img), grey(mask)
            if x.shape != y.shape:
                problems.append(f"{mask}: {y.shape} is not the image's {x.shape}")
                continue
            if x.shape[0] % 8 or x.shape[1] % 8:
                problems.append(
                    f"{img}: {x.shape[1]}×{x.shape[0]} is not a multiple of 8 on each side "
                    "(the U-Net's skip concatenation fails)"
                )
            # `--partial` exports name the value of unlabelled pixels; the study's loader would
            # read it as a class id, so it is allowed only where the manifest says so.
            labels = y[y != unlabelled] if unlabelled is not None else y
            if labels.size and int(labels.max()) >= classes:
                problems.append(f"{mask}: value {int(labels.max())} outside the {classes} classes")
            row = rows.get(stem)
            if row is None:
                problems.append(f"{img}: not in the manifest")
                continue
            problems += compare(img, row, sample.name, ps, x, y, classes)
            group = stem.split("-", 1)[0]
            groups.setdefault(group, set()).add(row["split"])
    for stem in sorted(set(rows) - set(seen)):
        problems.append(f"{stem}: in the manifest, not on disk")
    for g, s in sorted(groups.items()):
        if len(s - {""}) > 1:
            problems.append(f"group '{g}' straddles splits {sorted(s)}")
    return problems


def compare(img, row, sample, ps, x, y, classes):
    """What the loader read against what the manifest says."""
    out = []
    if row["sample"] != sample:
        out.append(f"{img}: in sample {sample}, the manifest says {row['sample']}")
    if ps != row["pixel_size"]:
        out.append(f"{img}: pixel size {ps}, the manifest says {row['pixel_size']}")
    route = "large" if ps > ROUTE_EDGE else "small"
    if route != row["study_unet"]:
        out.append(f"{img}: routed to the {route} U-Net, the manifest says {row['study_unet']}")
    if (x.shape[1], x.shape[0]) != (row["width"], row["height"]):
        out.append(f"{img}: {x.shape[1]}×{x.shape[0]}, the manifest says {row['width']}×{row['height']}")
    if hashlib.sha256(x.tobytes()).hexdigest() != row["image_sha256"]:
        out.append(f"{img}: image pixels differ from the manifest's hash")
    if hashlib.sha256(y.tobytes()).hexdigest() != row["mask_sha256"]:
        out.append(f"{img}: mask pixels differ from the manifest's hash")
    counts = np.bincount(y.ravel(), minlength=256)
    if counts[classes:].sum() != row.get("unlabelled_pixels", 0):
        out.append(f"{img}: {counts[classes:].sum()} unlabelled pixels, the manifest says {row.get('unlabelled_pixels', 0)}")
    counts = counts[:classes].tolist()
    if counts != row["class_pixels"]:
        out.append(f"{img}: class pixels {counts}, the manifest says {row['class_pixels']}")
    return out


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    root = pathlib.Path(sys.argv[1])
    found = main(root)
    for p in found:
        print(p)
    n = len(json.loads((root / "manifest.json").read_text())["images"])
    print(f"{n} images checked: {'OK' if not found else f'{len(found)} problems'}")
    sys.exit(1 if found else 0)
