#!/usr/bin/env python3
"""PyTorch CPU reference for examples/train_convs.rs: forward, input gradient (dX) and weight +
bias gradient (dW) of every 3x3 convolution and 2x2 stride-2 transposed convolution of the U-Net
(the same layer list), batch BENCH_BATCH (8) of BENCH_CROP^2 (128^2) crops, widths BENCH_WIDTHS
(8,32). dX and dW are aten.convolution_backward with one output mask each (what autograd calls).
Median of BENCH_REPS (7) runs; CPU use = process time / wall time of all runs of a pass.
Threads: TORCH_THREADS (2). The first layer's dX is not timed (a step does not need it).
"""
import os
import statistics
import time

import torch
import torch.nn.functional as F

n = int(os.environ.get("BENCH_BATCH", "8"))
crop = int(os.environ.get("BENCH_CROP", "128"))
reps = int(os.environ.get("BENCH_REPS", "7"))
torch.set_num_threads(int(os.environ.get("TORCH_THREADS", "2")))
bwd = torch.ops.aten.convolution_backward


def layers(b):
    L = lambda name, cin, cout, level, up=False: (name, cin, cout, crop >> level, up)
    return [
        L("enc1a", 1, b, 0), L("enc1b", b, b, 0), L("enc2a", b, 2 * b, 1), L("enc2b", 2 * b, 2 * b, 1),
        L("enc3a", 2 * b, 4 * b, 2), L("enc3b", 4 * b, 4 * b, 2), L("enc4a", 4 * b, 8 * b, 3),
        L("enc4b", 8 * b, 8 * b, 3), L("up3", 8 * b, 4 * b, 3, True), L("dec5a", 8 * b, 4 * b, 2),
        L("dec5b", 4 * b, 4 * b, 2), L("up2", 4 * b, 2 * b, 2, True), L("dec6a", 4 * b, 2 * b, 1),
        L("dec6b", 2 * b, 2 * b, 1), L("up1", 2 * b, b, 1, True), L("dec7a", 2 * b, b, 0),
        L("dec7b", b, b, 0),
    ]


def timed(total, f):
    f()
    c0, w0 = time.process_time(), time.perf_counter()
    ms = []
    for _ in range(reps):
        t = time.perf_counter()
        f()
        ms.append((time.perf_counter() - t) * 1e3)
    total[1] += time.perf_counter() - w0
    total[2] += time.process_time() - c0
    m = statistics.median(ms)
    total[0] += m
    return m


torch.manual_seed(0)
with torch.no_grad():
    for b in [int(w) for w in os.environ.get("BENCH_WIDTHS", "8,32").split(",")]:
        print(f"width {b}, batch {n}, crop {crop}, torch {torch.__version__}, threads {torch.get_num_threads()}")
        print(f"{'layer':<6} {'fwd':>8} {'dX':>8} {'dW':>8}")
        tot = [[0.0, 0.0, 0.0] for _ in range(3)]
        for name, cin, cout, side, up in layers(b):
            x = torch.rand(n, cin, side, side) - 0.5
            if up:
                w, bias = torch.rand(cin, cout, 2, 2) - 0.5, torch.rand(cout) - 0.5
                dy = torch.rand(n, cout, 2 * side, 2 * side) - 0.5
                fwd = lambda: F.conv_transpose2d(x, w, bias, stride=2)
                args = ([cout], [2, 2], [0, 0], [1, 1], True, [0, 0], 1)
            else:
                w, bias = torch.rand(cout, cin, 3, 3) - 0.5, torch.rand(cout) - 0.5
                dy = torch.rand(n, cout, side, side) - 0.5
                fwd = lambda: F.conv2d(x, w, bias, padding=1)
                args = ([cout], [1, 1], [1, 1], [1, 1], False, [0, 0], 1)
            f = timed(tot[0], fwd)
            dx = 0.0 if cin == 1 else timed(tot[1], lambda: bwd(dy, x, w, *args, [True, False, False]))
            dw = timed(tot[2], lambda: bwd(dy, x, w, *args, [False, True, True]))
            print(f"{name:<6} {f:>8.2f} {dx:>8.2f} {dw:>8.2f}")
        cpu = [100 * t[2] / t[1] for t in tot]
        print(f"TOTAL  {tot[0][0]:>8.1f} {tot[1][0]:>8.1f} {tot[2][0]:>8.1f}  sum {sum(t[0] for t in tot):.1f} ms;"
              f" CPU use fwd {cpu[0]:.0f} % dX {cpu[1]:.0f} % dW {cpu[2]:.0f} %", flush=True)
