#!/usr/bin/env python3
"""PyTorch side of `npm run bench`: the same models, data and loops as bench/engine.ts.

Usage: reference.py THREADS. Started once by bench/engine.ts, which alternates
rounds between the two sides: it writes one request per line on stdin,
{"case": NAME, "seconds": S}, and reads one answer per line on stdout,
{"case", "samples_per_s"}. The first line written is {"torch", "blas", "threads"}:
the BLAS read from /proc/self/maps, so the caller can check both sides run on
the same one (it sets LD_LIBRARY_PATH to its own OpenBLAS folder and the same
glibc allocator setting as the addon).
"""
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

torch.set_num_threads(int(sys.argv[1]))


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
    # Channels-last weights, as sixstep's Conv2d has by default: the same oneDNN path on both sides.
    return _resnet8().to(memory_format=torch.channels_last)


def _resnet8():
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


# name -> (model, input shape, classes, batch, optimizer, foreach, rows in the learner cases, how batches are made)
CASES = {
    "resnet8": (resnet8, (1, 28, 28), 10, 128, "adamw", None, None, None),
    "mlp": (lambda: mlp([64, 256, 256, 10]), (64,), 10, 256, "adam", None, None, None),
    "tiny-mlp": (lambda: mlp([16, 32, 3]), (16,), 3, 32, "adam", None, None, None),
    # PyTorch 1.13's CPU Adam defaults to a Python loop over parameters; foreach=True is its fast path.
    "tiny-mlp-foreach": (lambda: mlp([16, 32, 3]), (16,), 3, 32, "adam", True, None, None),
    # The training loops as PyTorch's experts write them for tensors in memory: index-sliced batches from one
    # randperm per epoch, and the foreach Adam/AdamW.
    "learner-resnet8": (resnet8, (1, 28, 28), 10, 128, "adamw", True, 1024, "slices"),
    "learner-mlp": (lambda: mlp([64, 256, 256, 10]), (64,), 10, 256, "adam", True, 8192, "slices"),
    # The same loop as a tutorial writes it: DataLoader(TensorDataset) collates 256 rows one __getitem__ at a
    # time, and the default (per-parameter loop) Adam. Kept to show what that costs, not as the reference.
    "learner-mlp-dataloader": (lambda: mlp([64, 256, 256, 10]), (64,), 10, 256, "adam", None, 8192, "dataloader"),
}


def optimizer(kind, params, foreach):
    extra = {} if foreach is None else {"foreach": foreach}
    return (torch.optim.AdamW if kind == "adamw" else torch.optim.Adam)(params, lr=1e-3, **extra)


def one_batch(name, seconds):
    """Steps on one fixed batch: the engine's per-step speed."""
    make, shape, classes, batch, kind, foreach, _, _ = CASES[name]
    torch.manual_seed(0)
    model = make()
    x, y = torch.randn(batch, *shape), torch.randint(0, classes, (batch,))
    opt = optimizer(kind, model.parameters(), foreach)

    def step():
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(x), y).backward()
        opt.step()

    for _ in range(5):
        step()
    n, t0 = 0, time.perf_counter()
    while True:
        step()
        n += 1
        el = time.perf_counter() - t0
        if el >= seconds and n >= 10:
            return n * batch / el


def batches_of(how, x, y, batch, generator):
    """One epoch's shuffled batches: index slices of one randperm (the tensors are in memory), or a
    DataLoader over a TensorDataset, which gathers and collates each batch row by row."""
    if how == "dataloader":
        return DataLoader(TensorDataset(x, y), batch_size=batch, shuffle=True, generator=generator)

    class Slices:
        def __len__(self):
            return (len(x) + batch - 1) // batch

        def __iter__(self):
            perm = torch.randperm(len(x), generator=generator)
            for i in range(0, len(x), batch):
                idx = perm[i:i + batch]
                yield x[idx], y[idx]

    return Slices()


def fit_loop(name, seconds):
    """A plain PyTorch training loop over the same tensors: shuffled batches (see batches_of),
    a per-batch cosine schedule, the loss and learning rate recorded every step."""
    make, shape, classes, batch, kind, foreach, rows, how = CASES[name]
    torch.manual_seed(0)
    model = make()
    x, y = torch.randn(rows, *shape), torch.randint(0, classes, (rows,))
    loader = batches_of(how, x, y, batch, torch.Generator().manual_seed(0))
    opt = optimizer(kind, model.parameters(), foreach)
    sched = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=len(loader), T_mult=2, eta_min=1e-5)
    history = []

    def epoch():
        model.train()
        total, count = 0.0, 0
        for xb, yb in loader:
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            opt.zero_grad(set_to_none=True)
            sched.step()
            value = loss.item()
            history.append((value, sched.get_last_lr()))
            total += value * xb.shape[0]
            count += xb.shape[0]
        return total / count

    epoch()
    n, t0 = 0, time.perf_counter()
    while True:
        epoch()
        n += 1
        el = time.perf_counter() - t0
        if el >= seconds and n >= 2:
            return n * rows / el


# ---- text cases: the table network with one text input, as bench/models.ts builds it ----
PAIR_PRIME = 1000003
TEXT_SHAPES = {
    "bag": dict(vocabulary=5000, buckets=2048, dim=64, length=16, hidden=36, classes=8),
    "lstm": dict(vocabulary=5000, dim=64, units=128, length=64, hidden=65, classes=2),
}


class BagText(nn.Module):
    """Mean of the embeddings of the words and their hashed adjacent pairs (padding 0 left out), one hidden layer, the head."""

    def __init__(self, vocabulary, buckets, dim, length, hidden, classes):
        super().__init__()
        self.vocabulary, self.buckets = vocabulary, buckets
        self.bag = nn.EmbeddingBag(vocabulary + buckets, dim, mode="mean", padding_idx=0)
        with torch.no_grad():
            self.bag.weight.uniform_(-1 / dim, 1 / dim)
            self.bag.weight[0] = 0
        self.fc = nn.Linear(dim, hidden)
        self.head = nn.Linear(hidden, classes)

    def forward(self, ids):
        a, b = ids[:, :-1], ids[:, 1:]
        pairs = ((a * PAIR_PRIME + b) % self.buckets + self.vocabulary) * ((a > 0) & (b > 0)).long()
        return self.head(F.relu(self.fc(self.bag(torch.cat([ids, pairs], 1)))))


class LstmText(nn.Module):
    """Embedding into an LSTM, max over the real positions (zeros for an empty text), one hidden layer, the head."""

    def __init__(self, vocabulary, dim, units, length, hidden, classes):
        super().__init__()
        self.embedding = nn.Embedding(vocabulary, dim, padding_idx=0)
        self.lstm = nn.LSTM(dim, units, batch_first=True)
        self.fc = nn.Linear(units, hidden)
        self.head = nn.Linear(hidden, classes)

    def forward(self, ids):
        out, _ = self.lstm(self.embedding(ids))
        pooled = out.masked_fill((ids == 0).unsqueeze(2), -1e4).max(1).values
        pooled = pooled * (ids != 0).float().max(1, keepdim=True).values
        return self.head(F.relu(self.fc(pooled)))


# name -> (model, shape key, batch, rows); Adam at 1e-3, as the other learner cases.
TEXT_CASES = {
    "learner-bag": (lambda: BagText(**TEXT_SHAPES["bag"]), "bag", 64, 8192),
    "learner-lstm": (lambda: LstmText(**TEXT_SHAPES["lstm"]), "lstm", 64, 2048),
}


def token_ids(rows, length, vocabulary):
    """Padded token ids: lengths uniform in 1 … length, ids uniform in 1 … vocabulary − 1."""
    ids = torch.randint(1, vocabulary, (rows, length))
    lengths = torch.randint(1, length + 1, (rows, 1))
    return ids * (torch.arange(length).reshape(1, length) < lengths).long()


def text_fit_loop(name, seconds):
    """fit_loop over token ids: the same DataLoader, schedule and recording."""
    make, key, batch, rows = TEXT_CASES[name]
    shape = TEXT_SHAPES[key]
    torch.manual_seed(0)
    model = make()
    x, y = token_ids(rows, shape["length"], shape["vocabulary"]), torch.randint(0, shape["classes"], (rows,))
    loader = DataLoader(TensorDataset(x, y), batch_size=batch, shuffle=True, generator=torch.Generator().manual_seed(0))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=len(loader), T_mult=2, eta_min=1e-5)
    history = []

    def epoch():
        model.train()
        for xb, yb in loader:
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            opt.zero_grad(set_to_none=True)
            sched.step()
            history.append((loss.item(), sched.get_last_lr()))

    epoch()
    n, t0 = 0, time.perf_counter()
    while True:
        epoch()
        n += 1
        el = time.perf_counter() - t0
        if el >= seconds and n >= 2:
            return n * rows / el


def blas():
    """The BLAS mapped into this process, named as src/tensor/blas.ts names it."""
    try:
        files = {line.split()[-1] for line in open("/proc/self/maps") if "/" in line}
    except OSError:
        return "unknown"
    base = lambda f: f.rsplit("/", 1)[-1]
    if any(base(f).startswith("libmkl_") for f in files):
        return "mkl"
    blas_like = [f for f in files if base(f).startswith(("libblas", "libopenblas", "liblapack")) and "/atlas/" not in f]
    for folder in ("openmp", "pthread", "serial"):
        if any(f"/openblas-{folder}/" in f for f in blas_like):
            return f"openblas-{folder}"
    if any(base(f).startswith("libopenblas") for f in blas_like):
        return "openblas"
    if any(base(f).startswith("libblas.so") for f in blas_like):
        return "reference"
    return "unknown"


# Touch a matrix product so the BLAS is loaded before it is named.
torch.mm(torch.ones(2, 2), torch.ones(2, 2))
print(json.dumps({"torch": torch.__version__, "blas": blas(), "threads": torch.get_num_threads()}), flush=True)
for line in sys.stdin:
    req = json.loads(line)
    name = req["case"]
    if name in TEXT_CASES:
        print(json.dumps({"case": name, "samples_per_s": text_fit_loop(name, float(req["seconds"]))}), flush=True)
        continue
    if name not in CASES:
        print(json.dumps({"case": name, "error": f"unknown case {name}"}), flush=True)
        continue
    run = fit_loop if CASES[name][6] else one_batch
    print(json.dumps({"case": name, "samples_per_s": run(name, float(req["seconds"]))}), flush=True)
