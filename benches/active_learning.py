#!/usr/bin/env python3
"""Active-learning simulation: does choosing tiles by a strategy beat random picking?

The synthetic ground truth is the oracle. Per seed:
  pool   `semcurate synth` tiles whose masks are hidden until a tile is "labelled";
  test   another synth set (another seed, so other sites, rocks and imaging settings);
  seed   5 % of the pool, stratified random (across samples and scale bins), labelled;
  round  k = 5 % of the pool chosen by each strategy from the rest, labelled; a model is
         fine-tuned from models/default on everything labelled so far (same steps for all),
         predicts the test set, and `semcurate audit` scores it.
Strategies: random, stratified (random across samples and scale bins: the baseline published
studies find hardest to beat), and the queue's entropy, rare-boost and diverse (their picks
come from `semcurate queue --strategy S --budget k` on the pool's unlabelled tiles, predicted
by the current model).

Only the standard library; drives the release binary. Writes results.json and a table to
stdout; docs/plot_active_learning.py draws the plot.

    benches/active_learning.sh            (wraps this with the release build)
"""
import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

BIN = os.environ.get("SEMCURATE", "target/release/semcurate")
WORK = Path(os.environ.get("AL_DIR", "/tmp/semcurate-al"))
SEEDS = [int(s) for s in os.environ.get("AL_SEEDS", "1,2,3").split(",")]
ROUNDS = int(os.environ.get("AL_ROUNDS", "2"))
STRATEGIES = os.environ.get("AL_STRATEGIES", "random,stratified,entropy,rare-boost,diverse").split(",")
POOL = dict(samples=6, per_sample=int(os.environ.get("AL_PER_SAMPLE", "60")), size=128)
TEST = dict(samples=4, per_sample=20, size=128)
TRAIN = os.environ.get("AL_TRAIN", "--epochs 4 --steps-per-epoch 15 --batch 4 --crop 128 --lr 1e-3").split()
INIT = os.environ.get("AL_INIT", "models/default")


def run(*args, capture=False):
    r = subprocess.run([BIN, *map(str, args)], capture_output=True, text=True)
    if r.returncode not in (0, 1):
        sys.exit(f"failed ({r.returncode}): {' '.join(map(str, args))}\n{r.stderr[-2000:]}")
    return r.stdout if capture else None


def synth(out, seed, spec):
    if not (out / "synth.json").exists():
        run("synth", out, "--samples", spec["samples"], "--per-sample", spec["per_sample"],
            "--size", spec["size"], "--seed", seed, "--unlabelled", 0, "--quiet")


def tiles(root):
    """(sample, stem) of every tile, sorted."""
    return sorted((p.parent.parent.name, p.stem) for p in root.glob("*/input-images/*.png"))


def pixel_size(root, t):
    line = (root / t[0] / "input-features" / f"{t[1]}.txt").read_text().splitlines()[0]
    return float(line.split(":")[1])


def stratum(root, t):
    ps = pixel_size(root, t)
    return (t[0], 0 if ps <= 0.25 else 1 if ps <= 1.8 else 2)


def make_dataset(pool, out, labelled, unlabelled=()):
    """A dataset of hard links: labelled tiles with masks, unlabelled ones without."""
    if out.exists():
        shutil.rmtree(out)
    for t, with_mask in [(t, True) for t in labelled] + [(t, False) for t in unlabelled]:
        folders = ["input-images", "input-features"] + (["output-images"] if with_mask else [])
        for folder in folders:
            ext = "txt" if folder == "input-features" else "png"
            src = pool / t[0] / folder / f"{t[1]}.{ext}"
            dst = out / t[0] / folder / f"{t[1]}.{ext}"
            dst.parent.mkdir(parents=True, exist_ok=True)
            os.link(src, dst)


def stratified(pool, candidates, k, rng):
    """Random picks spread round-robin over samples × scale bins."""
    groups = {}
    for t in candidates:
        groups.setdefault(stratum(pool, t), []).append(t)
    for g in groups.values():
        rng.shuffle(g)
    keys = sorted(groups)
    rng.shuffle(keys)
    picks = []
    while len(picks) < k and any(groups.values()):
        for key in keys:
            if groups[key] and len(picks) < k:
                picks.append(groups[key].pop())
    return picks


def train(dataset, out):
    if (out / "config.json").exists():
        return
    run("split", dataset, "--fractions", "1,0,0", "--quiet")
    # Every labelled image trains (fractions 1,0,0): no val split, on purpose.
    run("train", dataset, "--init", INIT, "--out", out, "--force", "--quiet", "--no-val", *TRAIN)


def score(model, test):
    run("predict", test, "--model", model, "--quiet")
    a = json.loads(run("audit", test, "--model", model, "--json", "--quiet", capture=True))
    return {
        "pixel_accuracy": a["pixel_accuracy"],
        "mean_iou": a["mean_iou"],
        "iou": [c["iou"] for c in a["per_class"]],
        "support": [c["support"] for c in a["per_class"]],
        "short": [c["short"] for c in a["per_class"]],
    }


def queue_picks(pool, labelled, model, strategy, k, work):
    cand = [t for t in tiles(pool) if t not in set(labelled)]
    ds = work / "candidates"
    make_dataset(pool, ds, labelled, cand)
    run("predict", ds, "--model", model, "--quiet")
    q = json.loads(run("queue", ds, "--model", model, "--strategy", strategy,
                       "--budget", k, "--json", "--quiet", capture=True))
    picks = [(it["sample"], it["stem"]) for it in q["items"]]
    return picks


def simulate(seed):
    work = WORK / f"seed{seed}"
    pool, test = work / "pool", work / "test"
    synth(pool, 100 + seed, POOL)
    synth(test, 200 + seed, TEST)
    all_tiles = tiles(pool)
    k = max(1, round(0.05 * len(all_tiles)))
    rng = random.Random(seed)
    seed_set = stratified(pool, all_tiles, k, rng)
    base_ds, base_model = work / "seed-ds", work / "seed-model"
    make_dataset(pool, base_ds, seed_set)
    train(base_ds, base_model)
    base = score(base_model, test)
    out = {"seed": seed, "pool": len(all_tiles), "k": k, "seed_score": base, "runs": {}}
    for strategy in STRATEGIES:
        labelled, model = list(seed_set), base_model
        srng = random.Random(seed * 1000 + sum(map(ord, strategy)))
        rounds = []
        for r in range(1, ROUNDS + 1):
            t0 = time.time()
            rest = [t for t in all_tiles if t not in set(labelled)]
            sdir = work / f"{strategy}-r{r}"
            sdir.mkdir(parents=True, exist_ok=True)
            if strategy == "random":
                picks = srng.sample(rest, k)
            elif strategy == "stratified":
                picks = stratified(pool, rest, k, srng)
            else:
                picks = queue_picks(pool, labelled, model, strategy, k, sdir)
            labelled = labelled + picks
            ds = sdir / "labelled"
            make_dataset(pool, ds, labelled)
            model = sdir / "model"
            train(ds, model)
            s = score(model, test)
            s["labelled"] = len(labelled)
            s["seconds"] = round(time.time() - t0, 1)
            rounds.append(s)
            print(f"seed {seed} {strategy:>10} round {r}: mIoU {s['mean_iou']:.3f} "
                  f"({len(labelled)} labelled, {s['seconds']} s)", file=sys.stderr, flush=True)
        out["runs"][strategy] = rounds
    return out


def main():
    WORK.mkdir(parents=True, exist_ok=True)
    results = []
    for seed in SEEDS:
        results.append(simulate(seed))
        (WORK / "results.json").write_text(json.dumps(results, indent=1))
    print(f"results in {WORK / 'results.json'}")


if __name__ == "__main__":
    main()
