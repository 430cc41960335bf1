#!/usr/bin/env python3
"""Per-class IoU of two models side by side, overall and per scale bin, from two
`semcurate audit --json` reports of the same images (e.g. `--split test --bins 0.25,1.8`).
Prints Markdown. Standard library only.

    python3 docs/compare_models.py NAME_A audit_a.json NAME_B audit_b.json
"""
import json
import sys

name_a, path_a, name_b, path_b = sys.argv[1:5]
a, b = json.load(open(path_a)), json.load(open(path_b))
shorts = [c["short"] for c in a["classes"]]


def fmt(v):
    return "n/a" if v is None else f"{v:.3f}"


def rows(title, ga, gb):
    print(f"\n### {title}: {ga['images']} images\n")
    print("| model | pixel acc. | mIoU | " + " | ".join(shorts) + " |")
    print("|---|---|---|" + "---|" * len(shorts))
    for name, g in ((name_a, ga), (name_b, gb)):
        ious = [fmt(c["iou"]) for c in g["per_class"]]
        print(f"| {name} | {fmt(g['pixel_accuracy'])} | {fmt(g['mean_iou'])} | " + " | ".join(ious) + " |")
    diff = []
    for ca, cb in zip(ga["per_class"], gb["per_class"]):
        if ca["iou"] is None or cb["iou"] is None:
            diff.append("n/a")
        else:
            diff.append(f"{ca['iou'] - cb['iou']:+.3f}")
    d_acc = ga["pixel_accuracy"] - gb["pixel_accuracy"]
    d_miou = ga["mean_iou"] - gb["mean_iou"]
    print(f"| {name_a} − {name_b} | {d_acc:+.3f} | {d_miou:+.3f} | " + " | ".join(diff) + " |")


assert a["bin_edges"] == b["bin_edges"], "audit both models with the same --bins"
rows("All test images", a, b)
for ba, bb in zip(a["bins"], b["bins"]):
    rows(f"Bin {ba['bin']} ({ba['range']})", ba, bb)
