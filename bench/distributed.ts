// Data parallelism on this machine, measured:
//   1. allreduce latency and bandwidth between 2 local processes (c10d/Gloo
//      over loopback) for 4 B, 1 MB and 64 MB;
//   2. training throughput of one process against 2 data-parallel ranks on
//      the same model and data, with the ranks' communication share — for a
//      compute-bound ResNet-8 (78k parameters) and a communication-heavy wide
//      MLP (5.8M parameters, 23 MB of gradients per step).
// Each configuration runs in fresh processes.
//   node dist/bench/distributed.js [--images 8192] [--epochs 2] [--json]
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { launch, ProcessGroup, rankFromEnv } from '../src/distributed/index.js';
import { ones, manualSeed, getNumThreads } from '../src/tensor/index.js';
import { crossEntropy, Sequential, Linear, ReLU, Flatten } from '../src/nn/index.js';
import { ResNet, resnetFor } from '../src/models/index.js';
import { SGD } from '../src/optim/index.js';
import { Learner, DataParallel, type BatchSource, type Callback } from '../src/train/index.js';
import { readIdx, DataLoader, Normalizer, subsetImages } from '../src/data/index.js';

const self = fileURLToPath(import.meta.url);
const FASHION = '/usr/share/datasets/fashion-mnist';
const args = parseArgs({ allowPositionals: true, options: { images: { type: 'string', default: '8192' }, epochs: { type: 'string', default: '2' }, json: { type: 'boolean', default: false } } });
const [mode, model] = args.positionals;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** A rank of the allreduce benchmark: rank 0 prints one JSON line per size. */
function allreduceRank(): void {
  const g = ProcessGroup.init(rankFromEnv()!);
  const out: Array<{ bytes: number; medianMs: number; algGBs: number; busGBs: number }> = [];
  for (const bytes of [4, 1 << 20, 64 << 20]) {
    const t = ones([bytes / 4]);
    const reps = bytes >= 64 << 20 ? 10 : bytes >= 1 << 20 ? 200 : 2000;
    for (let i = 0; i < Math.min(reps, 20); i++) g.allreduce([t]);
    const times: number[] = [];
    for (let i = 0; i < reps; i++) {
      g.barrier();
      const t0 = performance.now();
      g.allreduce([t]);
      times.push(performance.now() - t0);
    }
    t.dispose();
    const ms = median(times);
    const n = g.worldSize;
    // Algorithm bandwidth (bytes / time) and bus bandwidth (× 2(n−1)/n: what a ring moves per link), as nccl-tests report them.
    out.push({ bytes, medianMs: ms, algGBs: bytes / (ms / 1000) / 1e9, busGBs: ((bytes / (ms / 1000)) * (2 * (n - 1))) / n / 1e9 });
  }
  if (g.rank === 0) process.stdout.write(`${JSON.stringify(out)}\n`);
  g.destroy();
}

/** One process or one rank training `model` on Fashion-MNIST; the leading process prints one JSON line. */
async function fitRank(kind: string): Promise<void> {
  const env = rankFromEnv();
  const g = env ? ProcessGroup.init(env) : null;
  const set = await readIdx(join(FASHION, 'train-images-idx3-ubyte.gz'));
  const n = Number(args.values.images);
  const sub = subsetImages(set, Array.from({ length: n }, (_, i) => i));
  const normalizer = Normalizer.fitChannels(sub.images, sub.shape);
  const loader = DataLoader.fromImages(sub, { batchSize: 128, seed: 0, normalizer, shard: g ? { rank: g.rank, worldSize: g.worldSize } : undefined });
  const train: BatchSource = { length: loader.length, *batches(e) { for (const b of loader.epoch(e)) yield { x: b.x, y: b.y! }; } };
  manualSeed(0);
  const net = kind === 'resnet8'
    ? new ResNet(resnetFor({ inChannels: 1, classes: 10, height: 28, width: 28 }))
    : new Sequential(new Flatten(), new Linear({ inFeatures: 784, outFeatures: 2048 }), new ReLU(), new Linear({ inFeatures: 2048, outFeatures: 2048 }), new ReLU(), new Linear({ inFeatures: 2048, outFeatures: 10 }));
  const optimizer = new SGD({ params: net.parameters(), lr: 0.05, momentum: 0.9 });
  let trainStart = 0;
  const epochs: Array<{ samples: number; seconds: number }> = [];
  let samples = 0;
  const timer: Callback = {
    beforeTrain: () => {
      samples = 0;
      trainStart = performance.now();
    },
    afterBatch: (l) => {
      samples += l.x!.shape[0];
    },
    afterTrain: () => {
      epochs.push({ samples, seconds: (performance.now() - trainStart) / 1000 });
    },
  };
  const dp = g ? new DataParallel({ group: g }) : null;
  const learner = new Learner({ model: net, optimizer, costFunction: crossEntropy, train, callbacks: dp ? [dp, timer] : [timer] });
  await learner.fit(Number(args.values.epochs));
  // The last epoch (the first warms up allocators and caches).
  const last = epochs.at(-1)!;
  const ranks = dp?.history.at(-1)?.ranks ?? null;
  const params = net.parameters().reduce((a, p) => a + p.numel, 0);
  if (!g || g.rank === 0) {
    const total = ranks ? ranks.reduce((a, r) => a + r.samplesPerSecond, 0) : last.samples / last.seconds;
    process.stdout.write(`${JSON.stringify({ model: kind, params, ranks: g?.worldSize ?? 1, threads: getNumThreads(), samplesPerSecond: total, commShare: ranks ? ranks.map((r) => r.commShare) : [0], perRank: ranks })}\n`);
  }
  g?.destroy();
}

async function main(): Promise<void> {
  if (mode === 'allreduce-rank') return allreduceRank();
  if (mode === 'fit-rank') return fitRank(model);
  const lines: string[] = [];
  const collect = (rank: number, line: string) => {
    if (rank === 0) lines.push(line);
  };
  const say = (s: string) => {
    if (!args.values.json) process.stdout.write(`${s}\n`);
  };
  const passOn = ['--images', String(args.values.images), '--epochs', String(args.values.epochs)];

  // 1. allreduce between 2 local processes (one thread each; rank 0's output comes back on a pipe).
  const ar = spawnSync(process.execPath, [self, 'launch-allreduce'], { encoding: 'utf8', env: process.env });
  if (ar.status !== 0) throw new Error(ar.stderr);
  const allreduce = JSON.parse(ar.stdout.trim().split('\n').at(-1)!);
  // PyTorch's own allreduce (torch.distributed, Gloo) in the same run, when Python has torch.
  const py = spawnSync('/usr/bin/python3', [join(dirname(self), '..', '..', 'bench', 'allreduce_reference.py'), String(29400 + Math.floor(Math.random() * 500))], { encoding: 'utf8' });
  const reference: Array<{ bytes: number; medianMs: number }> | null = py.status === 0 ? JSON.parse(py.stdout.trim().split('\n').at(-1)!) : null;
  say('allreduce between 2 local processes (c10d/Gloo, loopback; median of repeated calls):');
  for (const [i, r] of allreduce.entries()) {
    const ref = reference?.[i];
    say(`  ${String(r.bytes).padStart(9)} B  ${r.medianMs.toFixed(3)} ms  ${r.algGBs.toFixed(2)} GB/s` + (ref ? `   PyTorch ${ref.medianMs.toFixed(3)} ms  → sixstep/PyTorch speed ${(ref.medianMs / r.medianMs).toFixed(2)}` : '   (PyTorch not found: no reference)'));
  }

  // 2. fit: 1 process × 2 threads, 1 × 1, 2 ranks × 1 thread.
  const fits: unknown[] = [];
  for (const kind of ['resnet8', 'mlp-wide']) {
    for (const threads of [2, 1]) {
      const r = spawnSync(process.execPath, [self, 'fit-rank', kind, ...passOn], { encoding: 'utf8', env: { ...process.env, SIXSTEP_THREADS: String(threads), WORLD_SIZE: '1' } });
      if (r.status !== 0) throw new Error(r.stderr);
      fits.push(JSON.parse(r.stdout.trim().split('\n').at(-1)!));
    }
    lines.length = 0;
    const res = await launch({ nproc: 2, args: [self, 'fit-rank', kind, ...passOn], threadsPerRank: 1, onLine: collect, pipeAll: true });
    if (!res.ok) throw new Error(res.message ?? 'launch failed');
    fits.push(JSON.parse(lines.at(-1)!));
  }
  say('\nfit throughput (Fashion-MNIST, batch 128 global, last epoch):');
  for (const f of fits as any[]) say(`  ${f.model.padEnd(9)} ${String(f.params).padStart(8)} params  ${f.ranks} × ${f.threads} thread(s)  ${f.samplesPerSecond.toFixed(0).padStart(6)} samples/s  communicating ${f.commShare.map((c: number) => `${(100 * c).toFixed(0)}%`).join('/')}`);
  if (args.values.json) process.stdout.write(`${JSON.stringify({ allreduce, reference, fits })}\n`);
}

if (mode === 'launch-allreduce') {
  const r = await launch({ nproc: 2, args: [self, 'allreduce-rank'], threadsPerRank: 1, pipeAll: true, onLine: (rank, l) => (rank === 0 ? process.stdout.write(`${l}\n`) : process.stderr.write(`${l}\n`)) });
  process.exitCode = r.ok ? 0 : 1;
} else {
  await main();
}
