#!/usr/bin/env python3
"""The plain PyTorch recipe for bench/time_to_accuracy.ts: ResNet-8 (16/32/64, BN)
with channels-last weights (as the engine bench gives PyTorch, and as sixstep's
convolutions are), SGD (momentum 0.9, nesterov, weight decay 5e-4), one
OneCycleLR over the whole run (max_lr 0.1, PyTorch's defaults otherwise), batch
128, no augmentation, no search. Pixels are normalized with the training
images' mean and std.

Usage: time_to_accuracy_reference.py TRAIN_IMAGES TRAIN_LABELS TEST_IMAGES TEST_LABELS EPOCHS THREADS [BUDGET_SECONDS]
(IDX files, gzipped or not). With BUDGET_SECONDS the one-cycle schedule is
sized to that wall time, as sixstep's is to its --budget: a throwaway model
times 20 batches, and the run gets the whole epochs that fit in what is left
of the budget (at most EPOCHS), so it ends annealed at the budget rather than
being read mid-schedule; the first line says the plan, {"planned_epochs",
"seconds_per_epoch", "budget"}. Then one JSON line per epoch on stdout:
{"epoch", "seconds", "test_accuracy"}; seconds count from process start and
exclude the test evaluation (test accuracy is measured after each epoch for the
curve only, never used for any choice).
"""
import gzip
import json
import sys
import time

T0 = time.time()

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def read_idx(path):
    opener = gzip.open if path.endswith('.gz') else open
    with opener(path, 'rb') as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], 'big') for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


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


class ResNet8(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.layer1 = BasicBlock(16, 16)
        self.layer2 = BasicBlock(16, 32, 2)
        self.layer3 = BasicBlock(32, 64, 2)
        self.fc = nn.Linear(64, classes)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def resnet8(classes):
    return ResNet8(classes).to(memory_format=torch.channels_last)


def seconds_per_epoch(x, y, classes, batch, steps):
    """Times 20 training batches of a throwaway model (the first 3 warm up and are not counted)."""
    model = resnet8(classes)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, nesterov=True, weight_decay=5e-4)
    model.train()
    times = []
    for i in range(23):
        t = time.perf_counter()
        idx = torch.randint(0, len(x), (batch,))
        loss = F.cross_entropy(model(x[idx]), y[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if i >= 3:
            times.append(time.perf_counter() - t)
    times.sort()
    return times[len(times) // 2] * steps


def main():
    train_x, train_y, test_x, test_y = (read_idx(p) for p in sys.argv[1:5])
    epochs, threads = int(sys.argv[5]), int(sys.argv[6])
    budget = float(sys.argv[7]) if len(sys.argv) > 7 and sys.argv[7] != '-' else None
    seed = int(sys.argv[8]) if len(sys.argv) > 8 else 0
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    x = torch.tensor(train_x, dtype=torch.float32).unsqueeze(1) / 255
    mean, std = x.mean().item(), x.std().item()
    x = ((x - mean) / std).contiguous(memory_format=torch.channels_last)
    y = torch.tensor(train_y, dtype=torch.long)
    tx = ((torch.tensor(test_x, dtype=torch.float32).unsqueeze(1) / 255 - mean) / std).contiguous(memory_format=torch.channels_last)
    ty = torch.tensor(test_y, dtype=torch.long)
    classes = int(y.max()) + 1
    batch = 128
    steps = (len(x) + batch - 1) // batch
    if budget is not None:
        per_epoch = seconds_per_epoch(x, y, classes, batch, steps)
        # What is left of the budget, less a test pass at the end; a 5 % margin on the measured epoch, as sixstep's planner.
        left = budget - (time.time() - T0) - 0.02 * per_epoch
        epochs = max(1, min(epochs, int(left // (per_epoch * 1.05))))
        print(json.dumps({'planned_epochs': epochs, 'seconds_per_epoch': round(per_epoch, 2), 'budget': budget}), flush=True)
    torch.manual_seed(seed)
    model = resnet8(classes)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=5e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=epochs * steps)
    excluded = 0.0
    for epoch in range(epochs):
        model.train()
        perm = torch.randperm(len(x))
        for i in range(steps):
            idx = perm[i * batch:(i + 1) * batch]
            loss = F.cross_entropy(model(x[idx].contiguous(memory_format=torch.channels_last)), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
        seconds = time.time() - T0 - excluded
        e0 = time.time()
        model.eval()
        correct = 0
        with torch.no_grad():
            for i in range(0, len(tx), 1000):
                correct += (model(tx[i:i + 1000]).argmax(1) == ty[i:i + 1000]).sum().item()
        excluded += time.time() - e0
        print(json.dumps({'epoch': epoch + 1, 'seconds': round(seconds, 2), 'test_accuracy': correct / len(tx)}), flush=True)


if __name__ == '__main__':
    main()
