#!/usr/bin/env python3
"""PyTorch CPU reference for examples/train_step.rs: one whole training step (forward in train
mode, class-weighted cross-entropy + soft Dice, backward, Adam) of the study's UNet_1 (the same
network as tests/fixtures/make_torch_fixture.py, Dropout2d 0.3) on the same deterministic batch
as benches/train_torch.py. Width BENCH_WIDTH (8), batch BENCH_BATCH (8), crop BENCH_CROP (128),
threads TORCH_THREADS (1), median of BENCH_REPS (5) steps after one warm-up step; CPU use =
process time / wall time over the timed steps. Prints one JSON line.
"""
import json
import math
import os
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

CLASSES = 10
b = int(os.environ.get("BENCH_WIDTH", "8"))
n = int(os.environ.get("BENCH_BATCH", "8"))
crop = int(os.environ.get("BENCH_CROP", "128"))
reps = int(os.environ.get("BENCH_REPS", "5"))
torch.set_num_threads(int(os.environ.get("TORCH_THREADS", "1")))


def block(cin, cout, p=0.3):
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
        nn.Conv2d(cout, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
        nn.Dropout2d(p),
    )


class UNet_1(nn.Module):
    def __init__(self, n_classes, b):
        super().__init__()
        self.conv1, self.pool1 = block(1, b), nn.MaxPool2d(2)
        self.conv2, self.pool2 = block(b, 2 * b), nn.MaxPool2d(2)
        self.conv3, self.pool3 = block(2 * b, 4 * b), nn.MaxPool2d(2)
        self.conv4 = block(4 * b, 8 * b)
        self.upconv3 = nn.ConvTranspose2d(8 * b, 4 * b, 2, stride=2)
        self.conv5 = block(8 * b, 4 * b)
        self.upconv2 = nn.ConvTranspose2d(4 * b, 2 * b, 2, stride=2)
        self.conv6 = block(4 * b, 2 * b)
        self.upconv1 = nn.ConvTranspose2d(2 * b, b, 2, stride=2)
        self.conv7 = nn.Sequential(*block(2 * b, b), nn.Conv2d(b, n_classes, 1))

    def forward(self, x):
        x1 = self.conv1(x)
        x3 = self.conv2(self.pool1(x1))
        x5 = self.conv3(self.pool2(x3))
        x7 = self.conv4(self.pool3(x5))
        x10 = self.conv5(torch.cat([x5, self.upconv3(x7)], 1))
        x13 = self.conv6(torch.cat([x3, self.upconv2(x10)], 1))
        return self.conv7(torch.cat([x1, self.upconv1(x13)], 1))


def class_weights(counts):
    present = sorted(c for c in counts if c > 0)
    median = present[len(present) // 2] if present else 1
    return [1.0 if c == 0 else min(10.0, max(0.1, math.sqrt(median / c))) for c in counts]


i = torch.arange(n * crop * crop)
x = ((i * 37) % 256).float().reshape(n, 1, crop, crop) / 255.0
y = (((i % crop) // 8 + (i // crop) // 16) % CLASSES).reshape(n, crop, crop)
w = torch.tensor(class_weights([9, 1, 2, 5, 40, 30, 3, 6, 8, 1]))
onehot = F.one_hot(y, CLASSES).permute(0, 3, 1, 2).float()
present = (onehot.sum(dim=(0, 2, 3)) > 0).float()

torch.manual_seed(1)
net = UNet_1(CLASSES, b).train()
opt = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-5)


def step():
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
    return loss.item()


step()
c0, w0 = time.process_time(), time.perf_counter()
ms = []
for _ in range(reps):
    t = time.perf_counter()
    assert math.isfinite(step())
    ms.append((time.perf_counter() - t) * 1e3)
cpu = 100 * (time.process_time() - c0) / (time.perf_counter() - w0)
print(json.dumps({"impl": "pytorch", "width": b, "threads": torch.get_num_threads(),
                  "ms_per_step": round(statistics.median(ms), 1), "cpu_pct": round(cpu),
                  "torch": torch.__version__}))
