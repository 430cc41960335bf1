#!/usr/bin/env python3
"""Table (Markdown, stdout) and plot (SVG) of benches/active_learning.py results.

At-risk classes, per seed: classes other than Void present in the test truth that are under
2 % of its pixels or that the seed model scores below IoU 0.5. An undefined IoU (class neither
predicted nor present) counts as 0 for the mean. AUC: area under the at-risk mean IoU against
labelled tiles (trapezoids from the seed set), divided by the labelled range.

    python3 docs/plot_active_learning.py results.json docs/active_learning.svg
"""
import json
import statistics as st
import sys


def at_risk(seed_score):
    total = sum(seed_score["support"]) or 1
    out = []
    for c, (name, sup, iou) in enumerate(zip(seed_score["short"], seed_score["support"], seed_score["iou"])):
        if name.lower() == "void" or sup == 0:
            continue
        if sup / total < 0.02 or (iou or 0.0) < 0.5:
            out.append(c)
    return out


def risk_iou(score, classes):
    return st.mean([(score["iou"][c] or 0.0) for c in classes]) if classes else 0.0


def auc(points):
    """Normalised area under (labelled, value) points."""
    area = sum((x1 - x0) * (y0 + y1) / 2 for (x0, y0), (x1, y1) in zip(points, points[1:]))
    span = points[-1][0] - points[0][0]
    return area / span if span else points[-1][1]


def main(path, svg):
    results = json.load(open(path))
    strategies = list(results[0]["runs"])
    rows = {}
    for s in strategies:
        rows[s] = {"miou": [], "risk": [], "auc": [], "worst_vs_random": [],
                   "d_random": [], "d_strat": []}
    for res in results:
        classes = at_risk(res["seed_score"])
        base = (res["k"], risk_iou(res["seed_score"], classes))
        final = {s: res["runs"][s][-1] for s in strategies}
        for s in strategies:
            runs = res["runs"][s]
            r = rows[s]
            r["miou"].append(final[s]["mean_iou"] or 0.0)
            r["risk"].append(risk_iou(final[s], classes))
            r["auc"].append(auc([base] + [(x["labelled"], risk_iou(x, classes)) for x in runs]))
            if "random" in final:
                r["d_random"].append(r["risk"][-1] - risk_iou(final["random"], classes))
                diffs = [(final[s]["iou"][c] or 0.0) - (final["random"]["iou"][c] or 0.0)
                         for c in range(len(final[s]["iou"]))
                         if final["random"]["iou"][c] is not None]
                r["worst_vs_random"].append(min(diffs) if diffs else 0.0)
            if "stratified" in final:
                r["d_strat"].append(r["risk"][-1] - risk_iou(final["stratified"], classes))
    seeds = len(results)
    f = lambda v: f"{st.mean(v):.3f}" if v else "–"
    sd = lambda v: f" ± {st.stdev(v):.3f}" if len(v) > 1 else ""
    per = lambda v: " ".join(f"{x:+.3f}" for x in v)
    print(f"{seeds} seeds; pool {results[0]['pool']} tiles; seed set and each round {results[0]['k']} tiles (5 %).")
    print("At-risk classes per seed: " + "; ".join(
        ", ".join(res["seed_score"]["short"][c] for c in at_risk(res["seed_score"])) for res in results))
    print()
    print("| strategy | mIoU | at-risk mean IoU | Δ at-risk vs random (per seed) | Δ vs stratified (per seed) | worst class Δ vs random | AUC at-risk |")
    print("|---|---|---|---|---|---|---|")
    for s in strategies:
        r = rows[s]
        print(f"| {s} | {f(r['miou'])}{sd(r['miou'])} | {f(r['risk'])}{sd(r['risk'])} | {per(r['d_random'])} | "
              f"{per(r['d_strat'])} | {f(r['worst_vs_random'])} | {f(r['auc'])} |")
    print()
    print("Per round (mean over seeds):")
    print()
    print("| strategy | round | labelled tiles | mIoU | at-risk mean IoU |")
    print("|---|---|---|---|---|")
    rounds = len(results[0]["runs"][strategies[0]])
    for s in strategies:
        for k in range(rounds):
            runs = [res["runs"][s][k] for res in results]
            risk = [risk_iou(r, at_risk(res["seed_score"])) for r, res in zip(runs, results)]
            print(f"| {s} | {k + 1} | {runs[0]['labelled']} | "
                  f"{st.mean(r['mean_iou'] or 0.0 for r in runs):.3f} | {st.mean(risk):.3f} |")
    print()
    print("IoU per class after the last round (mean over seeds; – where undefined in every seed):")
    print()
    short = results[0]["seed_score"]["short"]
    print("| strategy | " + " | ".join(short) + " |")
    print("|---|" + "---|" * len(short))
    def row(name, scores):
        cells = []
        for c in range(len(short)):
            v = [x["iou"][c] for x in scores if x["iou"][c] is not None]
            cells.append(f"{st.mean(v):.3f}" if v else "–")
        print(f"| {name} | " + " | ".join(cells) + " |")
    row("seed model", [res["seed_score"] for res in results])
    for s in strategies:
        row(s, [res["runs"][s][-1] for res in results])
    write_svg(svg, strategies, rows)


def write_svg(path, strategies, rows):
    """Per strategy: at-risk mean IoU per seed (dots) and their mean (bar)."""
    w, h, left, bottom, top = 640, 320, 60, 40, 20
    vals = [v for s in strategies for v in rows[s]["risk"]] or [0.0]
    ymax = max(0.05, max(vals) * 1.15)
    bw = (w - left - 20) / len(strategies)
    y = lambda v: h - bottom - (h - bottom - top) * v / ymax
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="12">',
             f'<rect width="{w}" height="{h}" fill="white"/>',
             f'<text x="{left}" y="14">at-risk classes: mean IoU on the test set after the last round (bars: mean, dots: seeds)</text>']
    for k in range(5):
        v = ymax * k / 4
        parts.append(f'<line x1="{left}" x2="{w - 20}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{v:.2f}</text>')
    for i, s in enumerate(strategies):
        x0 = left + i * bw + bw * 0.15
        m = st.mean(rows[s]["risk"]) if rows[s]["risk"] else 0.0
        colour = "#999" if s in ("random", "stratified") else "#2e8b57"
        parts.append(f'<rect x="{x0:.1f}" y="{y(m):.1f}" width="{bw * 0.7:.1f}" height="{h - bottom - y(m):.1f}" fill="{colour}"/>')
        for j, v in enumerate(rows[s]["risk"]):
            parts.append(f'<circle cx="{x0 + bw * 0.35 + (j - 1) * 8:.1f}" cy="{y(v):.1f}" r="3" fill="black"/>')
        # Long names ("rare-boost (model only)") on two lines, split before the parenthesis.
        for i, line in enumerate(s.replace(" (", "\n(").split("\n")):
            parts.append(f'<text x="{x0 + bw * 0.35:.1f}" y="{h - bottom + 16 + 14 * i}" '
                         f'text-anchor="middle">{line}</text>')
    parts.append("</svg>")
    open(path, "w").write("\n".join(parts) + "\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
