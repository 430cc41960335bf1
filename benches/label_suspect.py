"""Label-suspect on the demo with a model (issue 24 §4), driven by benches/label_suspect.sh.

Predicts a copy of the demo once (a mask change does not change predictions), then for each
plant restores the masks, plants one label error, and ranks with `queue --strategy
label-suspect` and `queue` (mixed):
- `whole-mask`: every pyroxene pixel of the demo's most pyroxene-rich 256² mask outside sample
  12002 relabelled plagioclase (the model's own confusion runs the other way);
- `grain`: one whole plagioclase grain (an 8-connected Pl component of >= 1000 px, outside
  12002) relabelled pyroxene, for every such grain, one plant at a time.
Olivine images (sample 12002 holds the demo's olivine, which every model so far calls
pyroxene) are correct labels: their best rank in either queue is reported too.

    python benches/label_suspect.py BIN MODEL OUT [--grains N]
Needs numpy, Pillow and scipy. Prints a markdown summary and writes OUT/label_suspect.json.
"""
import json
import pathlib
import shutil
import subprocess
import sys

import numpy as np
from PIL import Image
from scipy import ndimage as ndi

PY, PL, OL = 4, 5, 7


def run(binary, *args):
    out = subprocess.run([binary, *args], check=True, capture_output=True, text=True)
    return out.stdout


def masks(root):
    return sorted(root.glob("*/output-images/*.png"))


def plants(root, max_grains):
    """(name, mask path, function array -> array) for every plant."""
    best = None
    for m in masks(root):
        if m.parts[-3] == "12002":
            continue
        a = np.array(Image.open(m))
        py = int((a == PY).sum())
        if a.shape == (256, 256) and (best is None or py > best[0]):
            best = (py, m)
    out = [("whole-mask", best[1], lambda a: np.where(a == PY, PL, a).astype(a.dtype))]
    grains = []
    for m in masks(root):
        if m.parts[-3] == "12002":
            continue
        a = np.array(Image.open(m))
        lab, n = ndi.label(a == PL, np.ones((3, 3)))
        sizes = ndi.sum(a == PL, lab, range(1, n + 1))
        for i, size in enumerate(sizes):
            if size >= 1000:
                grains.append((int(size), m, i + 1))
    grains.sort(key=lambda g: (g[0], str(g[1])))
    step = max(1, len(grains) // max_grains) if max_grains else 1
    for size, m, label in grains[::step][:max_grains or None]:
        def relabel(a, label=label):
            lab, _ = ndi.label(a == PL, np.ones((3, 3)))
            return np.where(lab == label, PY, a).astype(a.dtype)
        out.append((f"grain {size} px", m, relabel))
    return out


def ranks(binary, model, data):
    ls = json.loads(run(binary, "queue", str(data), "--model", model, "--strategy",
                        "label-suspect", "--budget", "1000", "--json", "--quiet"))
    mixed = json.loads(run(binary, "queue", str(data), "--model", model, "--budget", "1000",
                           "--json", "--quiet"))
    return ls["items"], mixed["items"]


def rank_of(items, name):
    for it in items:
        if f"{it['sample']}/{it['stem']}" == name:
            return it["rank"]
    return None


def olivine_best(items, data):
    """Best rank of an image holding >= 1000 px of olivine (a correct label)."""
    best = None
    for it in items:
        m = data / it["sample"] / "output-images" / f"{it['stem']}.png"
        if m.exists() and (np.array(Image.open(m)) == OL).sum() >= 1000:
            best = it["rank"] if best is None else min(best, it["rank"])
    return best


def main():
    binary, model, out = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3])
    max_grains = int(sys.argv[sys.argv.index("--grains") + 1]) if "--grains" in sys.argv else 0
    data = out / "demo"
    pristine = out / "pristine"
    run(binary, "predict", str(data), "--model", model, "--quiet")
    shutil.copytree(data, pristine, ignore=shutil.ignore_patterns(".semcurate"))
    rows = []
    base_ls, base_mixed = ranks(binary, model, data)
    rows.append({"plant": "none", "label_suspect": None, "mixed": None,
                 "olivine_label_suspect": olivine_best(base_ls, data),
                 "olivine_mixed": olivine_best(base_mixed, data), "listed": len(base_ls)})
    for name, mask, change in plants(data, max_grains):
        original = pristine / mask.relative_to(data)
        a = np.array(Image.open(original))
        Image.fromarray(change(a)).save(mask)
        ls, mixed = ranks(binary, model, data)
        stem = f"{mask.parts[-3]}/{mask.stem}"
        top = next((it for it in ls if f"{it['sample']}/{it['stem']}" == stem), None)
        rows.append({"plant": name, "image": stem, "label_suspect": rank_of(ls, stem),
                     "mixed": rank_of(mixed, stem), "listed": len(ls),
                     "olivine_label_suspect": olivine_best(ls, data),
                     "olivine_mixed": olivine_best(mixed, data),
                     "reason": top["reason"] if top else None})
        shutil.copy(original, mask)
        print(json.dumps({k: v for k, v in rows[-1].items() if k != "reason"}), flush=True)
    (out / "label_suspect.json").write_text(json.dumps(rows, indent=1))
    grains = [r for r in rows if r["plant"].startswith("grain")]
    top3 = sum(1 for r in grains if r["label_suspect"] and r["label_suspect"] <= 3)
    print(f"\nwhole-mask plant: label-suspect rank {rows[1]['label_suspect']}, mixed rank {rows[1]['mixed']}")
    print(f"grain plants: {top3} of {len(grains)} in label-suspect's top 3; ranks "
          f"{sorted(r['label_suspect'] or 999 for r in grains)}")
    print(f"best olivine image rank (label-suspect, mixed): without plants "
          f"{rows[0]['olivine_label_suspect']}, {rows[0]['olivine_mixed']}; over all plants "
          f"{min((r['olivine_label_suspect'] or 999) for r in rows)}, "
          f"{min((r['olivine_mixed'] or 999) for r in rows)}")


if __name__ == "__main__":
    main()
