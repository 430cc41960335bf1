#!/usr/bin/env python3
"""PyTorch CPU reference for benches/train.rs: one training step of the study's UNet_1
(train mode: batch statistics, Dropout2d on) with the loss of `semcurate train`
(class-weighted cross-entropy + soft Dice over the classes present), backward and Adam, on the
same deterministic batch. One JSON line per width; ms per step, median after a warm-up.
Threads: TORCH_THREADS (default os.cpu_count()). Environment as benches/train.rs. CPU use
("cores_busy") is process CPU time / wall time over the timed steps.
"""
import importlib.util
import json
import math
import os
import pathlib
import statistics
import sys
import time

import torch
import torch.nn.functional as F

here = pathlib.Path(__file__).resolve().parent
spec = importlib.util.spec_from_file_location("fixture", here.parent / "tests/fixtures/make_torch_fixture.py")
fixture = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fixture)

CLASSES = 10
budget = float(os.environ.get("BENCH_SECONDS", "20"))
widths = [int(w) for w in os.environ.get("BENCH_WIDTHS", "8,32").split(",")]
n = int(os.environ.get("BENCH_BATCH", "8"))
crop = int(os.environ.get("BENCH_CROP", "128"))
torch.set_num_threads(int(os.environ.get("TORCH_THREADS", os.cpu_count())))
# BENCH_DEVICE=cuda times the GPU (benches/gpu.sh); results are synchronised before timing.
dev = torch.device(os.environ.get("BENCH_DEVICE", "cpu"))


def sync():
    if dev.type == "cuda":
        torch.cuda.synchronize()


def class_weights(counts):
    """src/model/train/loss.rs class_weights: sqrt(median / count) clipped to [0.1, 10]."""
    present = sorted(c for c in counts if c > 0)
    median = present[len(present) // 2] if present else 1
    return [1.0 if c == 0 else min(10.0, max(0.1, math.sqrt(median / c))) for c in counts]


i = torch.arange(n * crop * crop)
x = ((i * 37) % 256).float().reshape(n, 1, crop, crop) / 255.0
y = (((i % crop) // 8 + (i // crop) // 16) % CLASSES).reshape(n, crop, crop)
w = torch.tensor(class_weights([9, 1, 2, 5, 40, 30, 3, 6, 8, 1]))
x, y, w = x.to(dev), y.to(dev), w.to(dev)
onehot = F.one_hot(y, CLASSES).permute(0, 3, 1, 2).float()
present = (onehot.sum(dim=(0, 2, 3)) > 0).float()

for width in widths:
    torch.manual_seed(1)
    net = fixture.UNet_1(CLASSES, width).train().to(dev)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)

    def step():
        t = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        logits = net(x)
        ce = F.cross_entropy(logits, y, weight=w)
        p = logits.softmax(1)
        inter = (p * onehot).sum(dim=(0, 2, 3))
        denom = p.sum(dim=(0, 2, 3)) + onehot.sum(dim=(0, 2, 3))
        dice = (2 * inter + 1) / (denom + 1)
        loss = ce + (1 - (dice * present).sum() / present.sum().clamp(min=1))
        loss.backward()
        opt.step()
        assert math.isfinite(loss.item())
        sync()
        return time.perf_counter() - t

    first = step()
    times, start, cpu0 = [], time.perf_counter(), time.process_time()
    while len(times) < 3 or (time.perf_counter() - start < budget and len(times) < 20):
        times.append(step())
        if first > budget:
            break
    print(json.dumps({"impl": "pytorch" if dev.type == "cpu" else f"pytorch-{dev.type}", "width": width, "batch": n, "crop": crop,
                      "ms_per_step": round(1000 * statistics.median(times), 1), "runs": len(times),
                      "torch": torch.__version__, "threads": torch.get_num_threads(),
                      "cores_busy": round((time.process_time() - cpu0) / (time.perf_counter() - start), 2)}))
    sys.stdout.flush()
