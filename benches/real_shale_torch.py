#!/usr/bin/env python3
"""PyTorch side of benches/real_shale.sh: the study's UNet_1 trained the plain way on the
Duvernay shale tiles, for comparison with `semcurate train` at equal steps.

Recipe: UNet_1 (tests/fixtures/make_torch_fixture.py) with 2 classes, width 8, Dropout2d p =
--dropout (0 = none); plain unweighted cross-entropy; Adam lr 1e-3; batch 8 of 128x128 crops,
each from a tile drawn uniformly with a uniform position, turned by k*90 degrees (k uniform
in 0..3) and flipped left-right with probability 1/2; input grey / 255 (the study's) or
--input per-image (between the image's 1st and 99th percentile grey levels, as semcurate).
No validation: the weights after the last step are kept. Then every held-out tile is predicted
whole in eval mode (BatchNorm running statistics, dropout off) and its argmax class map saved
as OUT/pred/NAME.npy (uint8), with OUT/meta.json (train seconds, options).

Needs numpy and torch only; the tiles come as the .npz written by
`benches/real_shale_metrics.py prep`.
    python real_shale_torch.py --data shale.npz --out runs/torch-plain-s0 --steps 800 --seed 0
"""
import argparse
import importlib.util
import json
import os
import pathlib
import time

import numpy as np
import torch
import torch.nn.functional as F

here = pathlib.Path(__file__).resolve().parent
spec = importlib.util.spec_from_file_location("fixture", here.parent / "tests/fixtures/make_torch_fixture.py")
fixture = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fixture)


def normalise(img, mode):
    x = img.astype(np.float32) / 255.0
    if mode == "per-image":
        lo, hi = np.percentile(img, [1, 99], method="inverted_cdf") / 255.0
        x = (x - lo) / max(hi - lo, 1e-3)
    return x


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--steps", type=int, default=800)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--crop", type=int, default=128)
    ap.add_argument("--width", type=int, default=8)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--dropout", type=float, default=0.0)
    ap.add_argument("--input", choices=["absolute", "per-image"], default="absolute")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    torch.set_num_threads(int(os.environ.get("TORCH_THREADS", os.cpu_count())))
    out = pathlib.Path(a.out)
    (out / "pred").mkdir(parents=True, exist_ok=True)

    d = np.load(a.data)
    classes = int(d["classes"])
    xs = [normalise(im, a.input) for im in d["train_images"]]
    ys = [m.astype(np.int64) for m in d["train_masks"]]

    torch.manual_seed(a.seed)
    rng = np.random.default_rng(a.seed)
    net = fixture.UNet_1(classes, a.width)
    for m in net.modules():
        if isinstance(m, torch.nn.Dropout2d):
            m.p = a.dropout
    net.train()
    opt = torch.optim.Adam(net.parameters(), lr=a.lr)

    c = a.crop
    bx = np.empty((a.batch, 1, c, c), np.float32)
    by = np.empty((a.batch, c, c), np.int64)
    losses = []
    t0 = time.perf_counter()
    cpu0 = time.process_time()
    for step in range(a.steps):
        for b in range(a.batch):
            i = rng.integers(len(xs))
            h, w = ys[i].shape
            y0, x0 = rng.integers(h - c + 1), rng.integers(w - c + 1)
            xi, yi = xs[i][y0:y0 + c, x0:x0 + c], ys[i][y0:y0 + c, x0:x0 + c]
            k = int(rng.integers(4))
            xi, yi = np.rot90(xi, k), np.rot90(yi, k)
            if rng.random() < 0.5:
                xi, yi = xi[:, ::-1], yi[:, ::-1]
            bx[b, 0], by[b] = xi, yi
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(net(torch.from_numpy(bx)), torch.from_numpy(by))
        loss.backward()
        opt.step()
        losses.append(loss.item())
        if (step + 1) % 100 == 0:
            print(f"step {step + 1}/{a.steps}: loss {np.mean(losses[-100:]):.4f} "
                  f"({time.perf_counter() - t0:.0f} s)", flush=True)
    seconds = time.perf_counter() - t0
    cores = (time.process_time() - cpu0) / seconds

    net.eval()
    with torch.no_grad():
        for name, im in zip(d["heldout_names"], d["heldout_images"]):
            x = torch.from_numpy(normalise(im, a.input))[None, None]
            pred = net(x).argmax(1)[0].numpy().astype(np.uint8)
            np.save(out / "pred" / f"{name}.npy", pred)
    meta = {"impl": "pytorch", "torch": torch.__version__, "threads": torch.get_num_threads(),
            "train_seconds": round(seconds, 1), "cores_busy": round(cores, 2),
            "final_loss": round(float(np.mean(losses[-100:])), 4), **vars(a)}
    (out / "meta.json").write_text(json.dumps(meta, indent=1))
    print(json.dumps(meta))


if __name__ == "__main__":
    main()
