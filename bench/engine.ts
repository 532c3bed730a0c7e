// `npm run bench [-- --json] [--rounds N] [--seconds S] [--threads T] [case …]`:
// training throughput of sixstep against PyTorch (Python, bench/reference.py)
// on the same models and data, with the same thread count, glibc allocator
// setting and BLAS (the reference gets LD_LIBRARY_PATH = the folder of the
// OpenBLAS this process runs on). Rounds alternate sides (sixstep first in
// even rounds, PyTorch first in odd ones) so machine noise hits both; a
// case's ratio is the median of its per-round ratios, with min and max.
// --json: one JSON line per case (name, samples_per_s, reference_samples_per_s,
// ratio, ratio_min, ratio_max, threads, blas, libtorch, …); otherwise a table.
// Progress and the engine line go to stderr.
import { spawn, spawnSync, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { arange, manualSeed, randn, randint, setNumThreads, tidy, engineReport, describeEngine, blasInfo, type Tensor } from '../src/tensor/index.js';
import { crossEntropy, type Module } from '../src/nn/index.js';
import { Adam, AdamW, CosineAnnealingWarmRestarts, type Optimizer } from '../src/optim/index.js';
import { DataLoader } from '../src/data/loader.js';
import { asSource } from '../src/data/prepare.js';
import { Learner, Recorder, ScheduleCallback } from '../src/train/index.js';
import { resnet8, mlp, textBag, textLstm, TEXT_SHAPES } from './models.js';

interface CaseSpec {
  /** What bench/reference.py runs for this case. */
  describe: string;
  model: () => Module;
  shape: number[];
  classes: number;
  batch: number;
  optimizer: 'adam' | 'adamw';
  /** Rows of the dataset for the Learner cases (whole epochs through the DataLoader); absent: one fixed batch. */
  rows?: number;
  /** The dataset's inputs (default: standard normal values of `shape`): token ids for the text cases. */
  inputs?: (rows: number) => Tensor;
}

/** Rows of padded token ids, as the data layer packs them (float32): lengths uniform in 1 … length, ids uniform in 1 … vocabulary − 1. */
function tokenIds(rows: number, length: number, vocabulary: number): Tensor {
  return tidy(() => {
    const ids = randint(1, vocabulary, [rows, length]).to('float32');
    const lengths = randint(1, length + 1, [rows, 1]).to('float32');
    const position = arange(0, length, 1, { dtype: 'float32' }).reshape(1, length);
    return ids.mul(position.lt(lengths).to('float32'));
  });
}

const CASES: Record<string, CaseSpec> = {
  resnet8: { describe: 'ResNet-8, 1x28x28, batch 128, AdamW, one fixed batch, channels-last weights on both sides', model: () => resnet8(), shape: [1, 28, 28], classes: 10, batch: 128, optimizer: 'adamw' },
  mlp: { describe: '64-256-256-10, batch 256, Adam, one fixed batch', model: () => mlp([64, 256, 256, 10]), shape: [64], classes: 10, batch: 256, optimizer: 'adam' },
  'tiny-mlp': { describe: '16-32-3, batch 32, Adam (PyTorch default: per-parameter loop)', model: () => mlp([16, 32, 3]), shape: [16], classes: 3, batch: 32, optimizer: 'adam' },
  'tiny-mlp-foreach': { describe: '16-32-3, batch 32, Adam (PyTorch foreach=True)', model: () => mlp([16, 32, 3]), shape: [16], classes: 3, batch: 32, optimizer: 'adam' },
  'learner-resnet8': { describe: 'Learner.fit (DataLoader, Recorder, cosine schedule) vs a PyTorch loop over index-sliced batches of one randperm, foreach AdamW: ResNet-8, 1,024 rows, batch 128, channels-last weights on both sides', model: () => resnet8(), shape: [1, 28, 28], classes: 10, batch: 128, optimizer: 'adamw', rows: 1024 },
  'learner-mlp': { describe: 'Learner.fit vs a PyTorch loop over index-sliced batches of one randperm, foreach Adam: 64-256-256-10, 8,192 rows, batch 256', model: () => mlp([64, 256, 256, 10]), shape: [64], classes: 10, batch: 256, optimizer: 'adam', rows: 8192 },
  'learner-mlp-dataloader': { describe: 'Learner.fit vs a tutorial PyTorch loop: DataLoader(TensorDataset) collating each batch row by row, the default per-parameter Adam (not the reference: what that loop costs)', model: () => mlp([64, 256, 256, 10]), shape: [64], classes: 10, batch: 256, optimizer: 'adam', rows: 8192 },
  'learner-bag': {
    describe: 'Learner.fit vs a PyTorch loop (nn.EmbeddingBag, mean, padding_idx 0): a bag of 16 token ids and their hashed pairs (5,000 words + 2,048 buckets, width 64) → 36 → 8, 8,192 rows, batch 64, Adam',
    model: textBag,
    shape: [TEXT_SHAPES.bag.length],
    classes: TEXT_SHAPES.bag.classes,
    batch: 64,
    optimizer: 'adam',
    rows: 8192,
    inputs: (rows) => tokenIds(rows, TEXT_SHAPES.bag.length, TEXT_SHAPES.bag.vocabulary),
  },
  'learner-lstm': {
    describe: 'Learner.fit vs a PyTorch loop: embedding (5,000 × 64) → LSTM (128) over 64 padded ids, max over real positions → 65 → 2, 2,048 rows, batch 64, Adam',
    model: textLstm,
    shape: [TEXT_SHAPES.lstm.length],
    classes: TEXT_SHAPES.lstm.classes,
    batch: 64,
    optimizer: 'adam',
    rows: 2048,
    inputs: (rows) => tokenIds(rows, TEXT_SHAPES.lstm.length, TEXT_SHAPES.lstm.vocabulary),
  },
};

interface Options {
  cases: string[];
  rounds: number;
  seconds: number;
  threads: number;
  json: boolean;
}

const USAGE = `usage: npm run bench -- [--json] [--rounds N (default 3)] [--seconds S per side and round (default 2)] [--threads T (default 2)] [case …]
cases: ${Object.keys(CASES).join(', ')}`;

function usage(msg: string): never {
  process.stderr.write(`bench: ${msg}\n${USAGE}\n`);
  process.exit(2);
}

function parseOptions(argv: string[]): Options {
  const o: Options = {
    cases: [],
    rounds: 3,
    seconds: Number(process.env.SIXSTEP_BENCH_SECONDS ?? 2),
    threads: Number(process.env.SIXSTEP_BENCH_THREADS ?? 2),
    json: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v <= 0) usage(`${a} expects a positive number, found ${argv[i] ?? 'nothing'}`);
      return v;
    };
    if (a === '--json') o.json = true;
    else if (a === '--rounds') o.rounds = value();
    else if (a === '--seconds') o.seconds = value();
    else if (a === '--threads') o.threads = value();
    else if (a === '--help' || a === '-h') usage('training throughput against PyTorch');
    else if (a.startsWith('-')) usage(`unknown option ${a}`);
    else if (!(a in CASES)) usage(`unknown case ${a}`);
    else o.cases.push(a);
  }
  if (!Number.isInteger(o.rounds) || o.rounds < 1) usage(`--rounds expects a positive integer, found ${o.rounds}`);
  if (!Number.isInteger(o.threads)) usage(`--threads expects a positive integer, found ${o.threads}`);
  if (!(o.seconds > 0)) usage(`--seconds (or SIXSTEP_BENCH_SECONDS) expects a positive number, found ${o.seconds}`);
  if (!o.cases.length) o.cases = Object.keys(CASES);
  return o;
}

function makeOptimizer(spec: CaseSpec, model: Module): Optimizer {
  return spec.optimizer === 'adamw' ? new AdamW({ params: model.parameters(), lr: 1e-3 }) : new Adam({ params: model.parameters(), lr: 1e-3 });
}

/** Steps on one fixed batch: the engine's per-step speed. */
function oneBatch(spec: CaseSpec, seconds: number): number {
  manualSeed(0);
  const model = spec.model();
  const x = randn([spec.batch, ...spec.shape]);
  const y = randint(0, spec.classes, [spec.batch]);
  const opt = makeOptimizer(spec, model);
  const step = () =>
    tidy(() => {
      opt.zeroGrad();
      crossEntropy(model.forward(x), y).backward();
      opt.step();
    });
  try {
    for (let i = 0; i < 5; i++) step();
    let n = 0;
    const t0 = performance.now();
    for (;;) {
      step();
      n++;
      const el = (performance.now() - t0) / 1000;
      if (el >= seconds && n >= 10) return (n * spec.batch) / el;
    }
  } finally {
    opt.dispose();
    model.dispose();
    x.dispose();
    y.dispose();
  }
}

/** The path users run: Learner.fit over a shuffled DataLoader, with the Recorder and a per-batch schedule. */
async function learnerFit(spec: CaseSpec, seconds: number): Promise<number> {
  manualSeed(0);
  const rows = spec.rows!;
  const model = spec.model();
  // The loader takes ownership of x and y.
  const loader = new DataLoader({ x: spec.inputs ? spec.inputs(rows) : randn([rows, ...spec.shape]), y: randint(0, spec.classes, [rows]) }, { batchSize: spec.batch, shuffle: true, seed: 0 });
  const train = asSource(loader);
  const opt = makeOptimizer(spec, model);
  const schedule = new CosineAnnealingWarmRestarts(opt, { t0: loader.length, tMult: 2, etaMin: 1e-5 });
  const learner = new Learner({ model, optimizer: opt, costFunction: crossEntropy, train, callbacks: [new Recorder(), new ScheduleCallback(schedule)] });
  try {
    await learner.fit(1);
    let epochs = 0;
    const t0 = performance.now();
    for (;;) {
      await learner.fit(1);
      epochs++;
      const el = (performance.now() - t0) / 1000;
      if (el >= seconds && epochs >= 2) return (epochs * rows) / el;
    }
  } finally {
    train.dispose();
    opt.dispose();
    model.dispose();
  }
}

function ours(name: string, seconds: number): Promise<number> {
  const spec = CASES[name];
  return spec.rows ? learnerFit(spec, seconds) : Promise.resolve(oneBatch(spec, seconds));
}

/** The Python that has torch: Debian's python3-torch lives with /usr/bin/python3. */
function referencePython(): string | null {
  for (const py of ['/usr/bin/python3', 'python3']) {
    // torch.nn too: an empty or partial torch folder imports as a namespace package.
    const r = spawnSync(py, ['-c', 'import torch.nn'], { stdio: 'ignore' });
    if (r.status === 0) return py;
  }
  return null;
}

/** bench/reference.py, started once; one request and one answer per line. */
class Reference {
  readonly hello: Promise<{ torch: string; blas: string; threads: number }>;
  private readonly lines: string[] = [];
  private waiting: ((line: string | null) => void) | null = null;
  private closed = false;

  constructor(private readonly child: ChildProcessByStdio<Writable, Readable, null>) {
    createInterface({ input: child.stdout }).on('line', (l) => this.push(l)).on('close', () => {
      this.closed = true;
      this.waiting?.(null);
    });
    this.hello = this.next().then((l) => JSON.parse(l));
  }

  private push(line: string): void {
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = null;
      w(line);
    } else this.lines.push(line);
  }

  private async next(): Promise<string> {
    const line = this.lines.shift() ?? (this.closed ? null : await new Promise<string | null>((r) => (this.waiting = r)));
    if (line === null) throw new Error('the PyTorch reference exited (its error is above)');
    return line;
  }

  async measure(name: string, seconds: number): Promise<number> {
    this.child.stdin.write(`${JSON.stringify({ case: name, seconds })}\n`);
    const j = JSON.parse(await this.next()) as { samples_per_s?: number; error?: string };
    if (j.error || !j.samples_per_s) throw new Error(`PyTorch reference: ${j.error ?? 'no result'}`);
    return j.samples_per_s;
  }

  close(): void {
    this.child.stdin.end();
  }
}

function startReference(py: string, threads: number, blasFolder: string | null): Reference {
  const script = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'reference.py');
  const env: Record<string, string | undefined> = {
    ...process.env,
    // The same allocator setting the addon applies at load (native/runtime.cc).
    GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=268435456',
  };
  if (process.env.SIXSTEP_MALLOC === 'default') delete env.GLIBC_TUNABLES;
  // The same BLAS: Debian's libtorch has no RUNPATH, so the folder of ours decides which libblas.so.3 it loads.
  if (blasFolder) env.LD_LIBRARY_PATH = [blasFolder, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  return new Reference(spawn(py, [script, String(threads)], { env, stdio: ['pipe', 'pipe', 'inherit'] }));
}

const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const round3 = (v: number) => Number(v.toFixed(3));

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  setNumThreads(o.threads);
  const engine = engineReport();
  const blas = blasInfo();
  const blasFolder = blas.kind.startsWith('openblas') && blas.files.length ? dirname(blas.files[0]) : null;
  const py = referencePython();
  const ref = py ? startReference(py, o.threads, blasFolder) : null;
  const hello = ref ? await ref.hello : null;
  process.stderr.write(
    `sixstep: ${describeEngine(engine)}\n` +
      `PyTorch: ${hello ? `${hello.torch} via ${py}, BLAS ${hello.blas}, ${hello.threads} threads${blasFolder ? ` (LD_LIBRARY_PATH=${blasFolder})` : ''}` : 'none (install python3-torch)'}\n` +
      `${o.rounds} alternating rounds of ${o.seconds} s per side and case\n`,
  );
  if (engine.warning) process.stderr.write(`warning: ${engine.warning}\n`);
  if (hello && hello.blas !== blas.kind) process.stderr.write(`warning: PyTorch runs on ${hello.blas}, sixstep on ${blas.kind}: the ratio compares BLAS builds too\n`);
  try {
    for (const name of o.cases) {
      const s: number[] = [];
      const r: number[] = [];
      for (let k = 0; k < o.rounds; k++) {
        const pytorchFirst = k % 2 === 1;
        if (ref && pytorchFirst) r.push(await ref.measure(name, o.seconds));
        // tiny-mlp-foreach differs from tiny-mlp on the PyTorch side only.
        s.push(await ours(name === 'tiny-mlp-foreach' ? 'tiny-mlp' : name, o.seconds));
        if (ref && !pytorchFirst) r.push(await ref.measure(name, o.seconds));
        process.stderr.write(`  ${name} round ${k + 1}: ${Math.round(s[k])} vs ${r[k] ? Math.round(r[k]) : '–'} samples/s\n`);
      }
      const ratios = r.length ? s.map((v, k) => v / r[k]) : [];
      const row = {
        name,
        describe: CASES[name].describe,
        samples_per_s: Math.round(median(s)),
        reference: ref ? 'pytorch' : null,
        reference_samples_per_s: r.length ? Math.round(median(r)) : null,
        ratio: ratios.length ? round3(median(ratios)) : null,
        ratio_min: ratios.length ? round3(Math.min(...ratios)) : null,
        ratio_max: ratios.length ? round3(Math.max(...ratios)) : null,
        rounds: o.rounds,
        seconds: o.seconds,
        threads: engine.threads,
        blas: engine.blas,
        reference_blas: hello?.blas ?? null,
        libtorch: engine.libtorch,
        reference_torch: hello?.torch ?? null,
      };
      if (o.json) console.log(JSON.stringify(row));
      else {
        const n = (v: number | null) => (v === null ? '–' : v.toLocaleString('en-US'));
        console.log(`${name.padEnd(17)} ${n(row.samples_per_s).padStart(9)} vs ${n(row.reference_samples_per_s).padStart(9)} samples/s  ratio ${row.ratio ?? '–'} (${row.ratio_min ?? '–'}–${row.ratio_max ?? '–'})`);
      }
    }
  } finally {
    ref?.close();
  }
}

try {
  await main();
} catch (e) {
  process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
}
