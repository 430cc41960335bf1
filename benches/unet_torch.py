#!/usr/bin/env python3
"""PyTorch CPU reference for benches/unet.rs: the study's UNet_1 (same layers, same 256x256
input, eval mode), ms per image, one JSON line per configuration. Uses the module definition of
tests/fixtures/make_torch_fixture.py. Threads: torch.set_num_threads(os.cpu_count()).
"""
import importlib.util
import json
import os
import pathlib
import statistics
import sys
import time

import torch

here = pathlib.Path(__file__).resolve().parent
spec = importlib.util.spec_from_file_location("fixture", here.parent / "tests/fixtures/make_torch_fixture.py")
fixture = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fixture)

budget = float(os.environ.get("BENCH_SECONDS", "6"))
widths = [int(w) for w in os.environ.get("BENCH_WIDTHS", "8,64").split(",")]
batches = [int(b) for b in os.environ.get("BENCH_BATCHES", "1,8").split(",")]
torch.set_num_threads(os.cpu_count())
# BENCH_DEVICE=cuda times the GPU (benches/gpu.sh); results are synchronised before timing.
dev = torch.device(os.environ.get("BENCH_DEVICE", "cpu"))


def sync():
    if dev.type == "cuda":
        torch.cuda.synchronize()

for width in widths:
    for batch in batches:
        net = fixture.UNet_1(10, width).eval().to(dev)
        x = (torch.arange(batch * 256 * 256) * 37 % 256).float().reshape(batch, 1, 256, 256) / 255.0
        x = x.to(dev)
        with torch.inference_mode():
            net(x)
            sync()
            times, start = [], time.perf_counter()
            while len(times) < 3 or (time.perf_counter() - start < budget and len(times) < 30):
                t = time.perf_counter()
                net(x).cpu()
                sync()
                times.append(time.perf_counter() - t)
        ms = 1000 * statistics.median(times) / batch
        print(json.dumps({"impl": "pytorch" if dev.type == "cpu" else f"pytorch-{dev.type}", "width": width, "batch": batch, "ms_per_image": round(ms, 2), "runs": len(times),
                          "torch": torch.__version__, "threads": torch.get_num_threads()}))
        sys.stdout.flush()
