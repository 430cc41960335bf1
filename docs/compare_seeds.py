#!/usr/bin/env python3
"""Multi against single U-Net over several seeds, from the `semcurate audit --json` reports
that benches/multi_vs_single.sh writes (OUT/{multi,single}-sSEED.SET.json). Prints Markdown:
per group (all images, each scale bin) the mean ± sd over seeds of pixel accuracy, mIoU and
each class's IoU, and the paired difference multi − single with how many seeds it is positive
in. Standard library only.

    python3 docs/compare_seeds.py OUT SET        (SET: test or other)
"""
import json
import pathlib
import re
import statistics
import sys

out, which = pathlib.Path(sys.argv[1]), sys.argv[2]


def load(kind):
    runs = {}
    for p in sorted(out.glob(f"{kind}-s*.{which}.json")):
        seed = int(re.match(rf"{kind}-s(\d+)\.", p.name).group(1))
        runs[seed] = json.load(open(p))
    return runs


multi, single = load("multi"), load("single")
seeds = sorted(set(multi) & set(single))
if not seeds:
    sys.exit(f"no paired multi/single reports for '{which}' in {out}")
first = multi[seeds[0]]
shorts = [c["short"] for c in first["classes"]]


def groups(report):
    """All images, then each scale bin, as (title, group)."""
    yield "All images", report
    for b in report["bins"]:
        yield f"Bin {b['bin']} ({b['range']})", b


def values(group):
    return [group["pixel_accuracy"], group["mean_iou"]] + [c["iou"] for c in group["per_class"]]


def mean_sd(xs):
    xs = [x for x in xs if x is not None]
    if not xs:
        return "n/a"
    sd = statistics.stdev(xs) if len(xs) > 1 else 0.0
    return f"{statistics.mean(xs):.3f} ± {sd:.3f}"


def diff(ms, ss):
    pairs = [(m, s) for m, s in zip(ms, ss) if m is not None and s is not None]
    if not pairs:
        return "n/a"
    ds = [m - s for m, s in pairs]
    wins = sum(d > 0 for d in ds)
    sd = statistics.stdev(ds) if len(ds) > 1 else 0.0
    return f"{statistics.mean(ds):+.3f} ± {sd:.3f} ({wins}/{len(ds)})"


print(f"Seeds {', '.join(map(str, seeds))}; mean ± sd over seeds; the difference row gives "
      "the paired multi − single mean ± sd and in how many seeds it is positive.")
titles = [t for t, _ in groups(first)]
for gi, title in enumerate(titles):
    per = {k: [values(list(groups(r[s]))[gi][1]) for s in seeds] for k, r in
           (("multi", multi), ("single", single))}
    images = list(groups(first))[gi][1]["images"]
    print(f"\n#### {title}: {images} images\n")
    print("| model | pixel acc. | mIoU | " + " | ".join(shorts) + " |")
    print("|---|---|---|" + "---|" * len(shorts))
    for kind in ("multi", "single"):
        cols = [mean_sd([run[i] for run in per[kind]]) for i in range(2 + len(shorts))]
        print(f"| {kind} | " + " | ".join(cols) + " |")
    cols = [diff([r[i] for r in per["multi"]], [r[i] for r in per["single"]])
            for i in range(2 + len(shorts))]
    print("| multi − single | " + " | ".join(cols) + " |")
