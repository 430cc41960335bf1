#!/usr/bin/env python3
"""The assist forest side by side with scikit-learn's RandomForestClassifier, in one run.

Runs the Rust bench's export (`cargo bench --bench assist -- --export DIR`, or the command in
$ASSIST_RUST_CMD with DIR appended), which writes the training rows (10 clicks per class x 4
classes, weight 4, plus dataset rows capped at 1,000 per class), the 256^2 and 2048^2 tiles'
features (49 channels, pixel-major f32) and truth as .npy, and its own fit / predict times on
exactly those rows. Then fits sklearn on the same rows and weights with the same settings
(interactive: 32 trees, depth <= 20, sqrt features; parity: 100 trees, no depth cap), times
predict_proba of every pixel, and prints both with the ratio sklearn / Rust (> 1: Rust faster).

Usage: python3 benches/assist_sklearn.py [DIR]   (needs numpy and scikit-learn; DIR defaults to
/tmp/assist-sklearn). Both use all cores of the machine (n_jobs=-1 and rayon's default).
"""

import json
import os
import shlex
import subprocess
import sys
import time

import numpy as np
from sklearn.ensemble import RandomForestClassifier

SETTINGS = {
    "interactive": dict(n_estimators=32, max_depth=20),
    "parity": dict(n_estimators=100, max_depth=None),
}


def run_rust(out_dir):
    if os.environ.get("ASSIST_REUSE_EXPORT"):
        with open(os.path.join(out_dir, "rust.json")) as f:
            return json.load(f)
    cmd = os.environ.get("ASSIST_RUST_CMD", "cargo bench --bench assist --")
    args = shlex.split(cmd) + ["--export", out_dir]
    print("$", " ".join(args), flush=True)
    subprocess.run(args, check=True)
    with open(os.path.join(out_dir, "rust.json")) as f:
        return json.load(f)


def median_time(fn, runs):
    """Median wall ms, median CPU ms (all threads of this process), last result."""
    walls, cpus, out = [], [], None
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
    mid = len(walls) // 2
    return sorted(walls)[mid] * 1e3, sorted(cpus)[mid] * 1e3, out


def sklearn_case(out_dir, side, name, runs):
    load = lambda n: np.load(os.path.join(out_dir, f"{n}{side}.npy"))
    x, y, w = load("train_x"), load("train_y"), load("train_w")
    test_x, test_y = load("test_x"), load("test_y")
    rf = RandomForestClassifier(
        max_features="sqrt", bootstrap=True, n_jobs=-1, random_state=0, **SETTINGS[name]
    )
    fit_ms, fit_cpu, _ = median_time(lambda: rf.fit(x, y, sample_weight=w), runs)
    predict_ms, predict_cpu, proba = median_time(lambda: rf.predict_proba(test_x), runs)
    predicted = rf.classes_[np.argmax(proba, axis=1)]
    accuracy = float(np.mean(predicted == test_y))
    return dict(
        fit_ms=fit_ms,
        fit_cpu_ms=fit_cpu,
        predict_ms=predict_ms,
        predict_cpu_ms=predict_cpu,
        accuracy=accuracy,
        rows=len(y),
    )


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "/tmp/assist-sklearn"
    rust = run_rust(out_dir)
    print(f"\nsklearn {__import__('sklearn').__version__}, {os.cpu_count()} CPUs")
    print("wall ms (CPU ms, all threads); ratio = sklearn / Rust on wall (CPU): > 1, Rust faster")
    print(f"{'case':<20} {'rows':>5} | {'fit rust':>16} {'sklearn':>16} {'ratio':>11} | "
          f"{'predict rust':>16} {'sklearn':>16} {'ratio':>11} | {'acc rust':>8} {'sklearn':>8}")
    pair = lambda wall, cpu: f"{wall:7.1f} ({cpu:6.0f})"
    for side, runs in [(256, 5), (2048, 1)]:
        for name in SETTINGS:
            r = rust[f"{side}_{name}"]
            s = sklearn_case(out_dir, side, name, runs)
            fit_ratio = (
                f"{s['fit_ms'] / r['fit_ms']:4.2f} ({s['fit_cpu_ms'] / r['fit_cpu_ms']:4.2f})"
            )
            predict_ratio = (
                f"{s['predict_ms'] / r['predict_ms']:4.2f} "
                f"({s['predict_cpu_ms'] / r['predict_cpu_ms']:4.2f})"
            )
            print(
                f"{f'{side}^2 {name}':<20} {r['rows']:>5} | "
                f"{pair(r['fit_ms'], r['fit_cpu_ms']):>16} "
                f"{pair(s['fit_ms'], s['fit_cpu_ms']):>16} "
                f"{fit_ratio:>11} | {pair(r['predict_ms'], r['predict_cpu_ms']):>16} "
                f"{pair(s['predict_ms'], s['predict_cpu_ms']):>16} {predict_ratio:>11} | "
                f"{r['accuracy']:>8.4f} {s['accuracy']:>8.4f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
