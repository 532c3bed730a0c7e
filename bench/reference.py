#!/usr/bin/env python3
"""PyTorch side of `npm run bench`: the same models and loop as bench/engine.ts.

Prints one JSON line per case: {"name", "samples_per_s"}. Arguments: case names.
Run by bench/engine.ts under the same thread count and allocator setting.
"""
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(int(sys.argv[1]))
SECONDS = float(sys.argv[2])
CASES = sys.argv[3:]


class BasicBlock(nn.Module):
    def __init__(self, inp, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(inp, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = None
        if stride != 1 or inp != planes:
            self.downsample = nn.Sequential(nn.Conv2d(inp, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x):
        idt = x if self.downsample is None else self.downsample(x)
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + idt)


def resnet8():
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
        BasicBlock(16, 16), BasicBlock(16, 32, 2), BasicBlock(32, 64, 2),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10),
    )


def mlp(widths):
    layers = []
    for i in range(len(widths) - 1):
        layers.append(nn.Linear(widths[i], widths[i + 1]))
        if i + 2 < len(widths):
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def case(name):
    torch.manual_seed(0)
    if name == "resnet8":
        return resnet8(), torch.randn(128, 1, 28, 28), torch.randint(0, 10, (128,)), "adamw"
    if name == "mlp":
        return mlp([64, 256, 256, 10]), torch.randn(256, 64), torch.randint(0, 10, (256,)), "adam"
    if name == "tiny-mlp":
        return mlp([16, 32, 3]), torch.randn(32, 16), torch.randint(0, 3, (32,)), "adam"
    raise SystemExit(f"unknown case {name}")


for name in CASES:
    model, x, y, kind = case(name)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3) if kind == "adamw" else torch.optim.Adam(model.parameters(), lr=1e-3)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()

    for _ in range(5):
        step()
    n, t0 = 0, time.perf_counter()
    while True:
        step()
        n += 1
        el = time.perf_counter() - t0
        if el >= SECONDS and n >= 10:
            break
    print(json.dumps({"name": name, "samples_per_s": n * x.shape[0] / el}), flush=True)
