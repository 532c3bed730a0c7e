// A rank (or, without WORLD_SIZE, a single process) training a small float64
// MLP on a fixed regression set with the real sharded loader, SGD with
// momentum and the DataParallel callback. Writes the parameters after every
// step to <out>/rank-<r>.json for the test to compare.
//   node dist/test/distributed/ddp_worker.js <out> [epochs] [batch]
// DIE_RANK / DIE_STEP: that rank SIGKILLs itself before that step.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { manualSeed, randn, tidy, keep, liveTensors } from '../../src/tensor/index.js';
import { Sequential, Linear, Tanh, BatchNorm1d, mseLoss } from '../../src/nn/index.js';
import { SGD } from '../../src/optim/index.js';
import { DataLoader } from '../../src/data/index.js';
import { Learner, DataParallel, rmse, type BatchSource, type Callback, type Learner as L } from '../../src/train/index.js';
import { ProcessGroup, rankFromEnv } from '../../src/distributed/index.js';

const [out, epochsArg, batchArg] = process.argv.slice(2);
const baseline = liveTensors();
const epochs = Number(epochsArg ?? 3);
const batchSize = Number(batchArg ?? 24);
const env = rankFromEnv();
const group = env ? ProcessGroup.init(env) : null;
const rank = group?.rank ?? 0;

manualSeed(0);
const N = 100; // 100 = 4 full batches of 24 + 4 rows: the last batch splits unevenly over 3 ranks, 1 row each over 4.
const { x, y } = tidy(() => {
  const x = randn([N, 5], { dtype: 'float64' });
  const y = x.matmul(randn([5, 1], { dtype: 'float64' })).sin().reshape(N);
  return { x: keep(x), y: keep(y) };
});
// Every rank seeds differently: the broadcast from rank 0 must make the start identical.
manualSeed(100 + rank);
// WITH_BN=1 adds batch norm (per-rank batch statistics: ranks still agree, a single process differs).
const bn = process.env.WITH_BN === '1' ? [new BatchNorm1d({ numFeatures: 16 })] : [];
const model = new Sequential(new Linear({ inFeatures: 5, outFeatures: 16 }), ...bn, new Tanh(), new Linear({ inFeatures: 16, outFeatures: 1 })).to('float64');
const optimizer = new SGD({ params: model.parameters(), lr: 0.05, momentum: 0.9 });
const loader = new DataLoader({ x, y }, { batchSize, seed: 7, shard: group ? { rank, worldSize: group.worldSize } : undefined });
const train: BatchSource = {
  get length() {
    return loader.length;
  },
  *batches(e: number) {
    for (const b of loader.epoch(e)) yield { x: b.x, y: b.y! };
  },
};
// Validation sharded by rows (each rank a share, no row dropped): 100 rows in batches of 32.
const validLoader = new DataLoader({ x: x.clone(), y: y.clone() }, { batchSize: 32, shuffle: false, shard: group ? { rank, worldSize: group.worldSize, split: 'dataset' } : undefined });
const validation: BatchSource = {
  *batches(e: number) {
    for (const b of validLoader.epoch(e)) yield { x: b.x, y: b.y! };
  },
};
const steps: number[][] = [];
const dieStep = process.env.DIE_RANK === String(rank) ? Number(process.env.DIE_STEP) : -1;
const snapshot: Callback = {
  order: 100,
  beforeBatch(l: L) {
    if (l.training && l.step === dieStep) process.kill(process.pid, 'SIGKILL');
  },
  afterStep(l: L) {
    steps.push(l.model.parameters().flatMap((p) => p.toArray() as number[]));
  },
};
const callbacks: Callback[] = [snapshot];
const dp = group ? new DataParallel({ group }) : null;
if (dp) callbacks.push(dp);
const learner = new Learner({ model, optimizer, costFunction: (p, t) => mseLoss(p.reshape(-1), t), train, validation, callbacks, metrics: [rmse] });
await learner.fit(epochs);
const buffers = model.namedBuffers().filter(([, b]) => b.dtype === 'float64').map(([n, b]) => [n, b.toArray()]);
optimizer.dispose();
model.dispose();
loader.dispose();
validLoader.dispose();
const leaked = liveTensors() - baseline;
writeFileSync(join(out, `rank-${rank}.json`), JSON.stringify({ rank, steps, trainLoss: learner.history.map((h) => h.trainLoss), validLoss: learner.history.map((h) => h.validLoss), validRmse: learner.history.map((h) => h.metrics.rmse), buffers, rankStats: dp?.history ?? [], leaked }));
group?.destroy();
