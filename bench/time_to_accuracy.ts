// Time to accuracy on Fashion-MNIST: `sixstep auto --budget B` against the
// plain PyTorch recipe (ResNet-8 with channels-last weights, one-cycle, batch
// 128; the script bench/time_to_accuracy_reference.py) given the same wall
// time B — its one-cycle schedule sized to B as sixstep's is, so both end
// annealed — one after the other so they never share the cores, and printed
// side by side: test accuracy (the official t10k set) against elapsed wall
// time. Test accuracy is measured after each run (sixstep: its single step-5
// evaluation; PyTorch: after each epoch, for the curve only) and never used
// for any choice; the row compared for a budget is PyTorch's last epoch.
//
//   node dist/bench/time_to_accuracy.js [--budgets 5,15] [--seeds 0,1,2] [--epochs 100 (the reference's most epochs)] [--threads 2]
//        [--train-subset N] [--test-subset N] [--data /usr/share/datasets/fashion-mnist] [--skip-reference]
//
// With several seeds each budget runs once per seed, sixstep then the
// reference alternating, and the summary gives the median with the range.
//
// Each budget is a separate `auto` run (a fresh project): the point of its curve
// is what sixstep reaches when given that much wall time, measured around the
// whole CLI process. --train-subset/--test-subset take the first N images of
// each split (a quick check that everything runs; the published numbers use all).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = join(root, 'dist', 'src', 'cli', 'main.js');

function usage(msg: string): never {
  process.stderr.write(`time_to_accuracy: ${msg}\n`);
  process.exit(2);
}

function parseArgs(argv: string[]) {
  const o = { budgets: [15], seeds: [0], epochs: 100, threads: 2, trainSubset: 0, testSubset: 0, data: '/usr/share/datasets/fashion-mnist', skipReference: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => argv[++i] ?? usage(`${a} needs a value`);
    const int = (v: string, name: string) => (/^\d+$/.test(v) && Number(v) > 0 ? Number(v) : usage(`${name}: expected a positive whole number, found ${JSON.stringify(v)}`));
    if (a === '--budgets') o.budgets = value().split(',').map((b) => (Number(b) > 0 ? Number(b) : usage(`--budgets: expected positive minutes, found ${JSON.stringify(b)}`)));
    else if (a === '--seeds') o.seeds = value().split(',').map((v) => (/^\d+$/.test(v) ? Number(v) : usage(`--seeds: expected whole numbers, found ${JSON.stringify(v)}`)));
    else if (a === '--epochs') o.epochs = int(value(), a);
    else if (a === '--threads') o.threads = int(value(), a);
    else if (a === '--train-subset') o.trainSubset = int(value(), a);
    else if (a === '--test-subset') o.testSubset = int(value(), a);
    else if (a === '--data') o.data = value();
    else if (a === '--skip-reference') o.skipReference = true;
    else usage(`unknown option ${JSON.stringify(a)}`);
  }
  return o;
}

/** The first n items of a (gzipped) IDX file, written gzipped to `out`. */
function idxHead(file: string, n: number, out: string): string {
  const raw = file.endsWith('.gz') ? gunzipSync(readFileSync(file)) : readFileSync(file);
  const ndim = raw[3];
  const dims = Array.from({ length: ndim }, (_, i) => raw.readUInt32BE(4 + 4 * i));
  const take = Math.min(n, dims[0]);
  const itemBytes = dims.slice(1).reduce((a, b) => a * b, 1);
  const head = Buffer.from(raw.subarray(0, 4 + 4 * ndim));
  head.writeUInt32BE(take, 4);
  writeFileSync(out, gzipSync(Buffer.concat([head, raw.subarray(4 + 4 * ndim, 4 + 4 * ndim + take * itemBytes)])));
  return out;
}

function run(cmd: string, args: string[], onLine: (line: string) => void = () => undefined): Promise<{ code: number; stdout: string; stderr: string; seconds: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let partial = '';
    child.stdout.on('data', (d) => {
      stdout += d;
      partial += d;
      const lines = partial.split('\n');
      partial = lines.pop()!;
      lines.forEach(onLine);
    });
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr, seconds: (performance.now() - t0) / 1000 }));
  });
}

const o = parseArgs(process.argv.slice(2));
const files = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'].map((f) => join(o.data, f));
for (const f of files) if (!existsSync(f)) usage(`${f} not found (Debian's dataset-fashion-mnist installs it; or pass --data <dir>)`);
const work = mkdtempSync(join(tmpdir(), 'sixstep-tta-'));
let [trainImages, trainLabels, testImages, testLabels] = files;
if (o.trainSubset) {
  trainImages = idxHead(trainImages, o.trainSubset, join(work, 'train-images-idx3-ubyte.gz'));
  trainLabels = idxHead(trainLabels, o.trainSubset, join(work, 'train-labels-idx1-ubyte.gz'));
}
if (o.testSubset) {
  testImages = idxHead(testImages, o.testSubset, join(work, 't10k-images-idx3-ubyte.gz'));
  testLabels = idxHead(testLabels, o.testSubset, join(work, 't10k-labels-idx1-ubyte.gz'));
}

interface Point { seconds: number; accuracy: number; note: string; budget: number; seed: number }
const sixstep: Point[] = [];
const reference: Point[] = [];

async function runSixstep(budget: number, seed: number): Promise<void> {
  const project = join(work, `project-${budget}-seed${seed}`);
  const r = await run(process.execPath, [cli, 'auto', '--data', trainImages, '--test', testImages, '--budget', String(budget), '--seed', String(seed), '--project', project, '--json']);
  if (r.code !== 0) {
    process.stderr.write(`sixstep auto --budget ${budget} --seed ${seed} exited ${r.code}:\n${r.stderr.slice(-2000)}\n`);
    process.exit(1);
  }
  const j = JSON.parse(r.stdout);
  const accuracy = j.metrics?.test?.accuracy;
  sixstep.push({ seconds: r.seconds, accuracy, budget, seed, note: `--budget ${budget} (${budget * 60} s), seed ${seed}: ${r.seconds <= budget * 60 ? 'within' : 'OVER'} budget` });
  process.stderr.write(`sixstep --budget ${budget} --seed ${seed}: test accuracy ${accuracy} after ${r.seconds.toFixed(1)} s (${j.chosenConfiguration ?? ''})\n`);
}

// The reference plans its own schedule to the same wall time (at most --epochs epochs).
async function runReference(budget: number, seed: number): Promise<void> {
  let planned = o.epochs;
  const points: Point[] = [];
  const r = await run('/usr/bin/python3', [join(root, 'bench', 'time_to_accuracy_reference.py'), trainImages, trainLabels, testImages, testLabels, String(o.epochs), String(o.threads), String(budget * 60), String(seed)], (line) => {
    const e = JSON.parse(line);
    if (e.planned_epochs !== undefined) {
      planned = e.planned_epochs;
      process.stderr.write(`pytorch, ${budget * 60} s, seed ${seed}: ${planned} epoch(s) of about ${e.seconds_per_epoch} s, one-cycle sized to them\n`);
      return;
    }
    points.push({ seconds: e.seconds, accuracy: e.test_accuracy, budget, seed, note: `epoch ${e.epoch}/${planned}, schedule sized to ${budget * 60} s, seed ${seed}` });
    process.stderr.write(`pytorch epoch ${e.epoch}/${planned}: test accuracy ${e.test_accuracy} at ${e.seconds} s\n`);
  });
  if (r.code !== 0) {
    process.stderr.write(`the PyTorch reference exited ${r.code}:\n${r.stderr.slice(-2000)}\n`);
    process.exit(1);
  }
  // The annealed end of its schedule is the point compared; the earlier epochs are the curve.
  reference.push(...points);
}

// Alternating rounds: each seed runs sixstep, then the reference, on the same idle cores.
for (const budget of o.budgets) {
  for (const seed of o.seeds) {
    await runSixstep(budget, seed);
    if (!o.skipReference) await runReference(budget, seed);
  }
}

const rows = o.trainSubset || o.testSubset ? ` (subsets: train ${o.trainSubset || 'all'}, test ${o.testSubset || 'all'})` : '';
console.log(`time to accuracy, Fashion-MNIST${rows}; test accuracy on the official t10k images, measured after training`);
console.log('| elapsed (s) | sixstep auto | PyTorch ResNet-8 (channels-last), one-cycle sized to the budget, batch 128 |');
console.log('|---:|---|---|');
const all = [...sixstep.map((p) => ({ ...p, who: 'sixstep' })), ...reference.map((p) => ({ ...p, who: 'pytorch' }))].sort((a, b) => a.seconds - b.seconds);
for (const p of all) {
  const cell = `${(p.accuracy * 100).toFixed(2)} % (${p.note})`;
  console.log(`| ${p.seconds.toFixed(1)} | ${p.who === 'sixstep' ? cell : ''} | ${p.who === 'pytorch' ? cell : ''} |`);
}

/** Median and range of a list, as "median (min–max)". */
function spread(values: number[], fmt: (v: number) => string): string {
  const v = [...values].sort((a, b) => a - b);
  if (!v.length) return '–';
  const median = v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  return v.length > 1 ? `${fmt(median)} (${fmt(v[0])}–${fmt(v[v.length - 1])})` : fmt(median);
}

if (o.seeds.length > 1 || o.budgets.length > 1) {
  console.log(`\nmedian over seeds ${o.seeds.join(', ')} (range in brackets); the reference's figure is its last epoch`);
  console.log('| budget | sixstep test accuracy | sixstep wall time (s) | PyTorch test accuracy | PyTorch wall time (s) |');
  console.log('|---:|---|---|---|---|');
  const pc = (v: number) => `${(v * 100).toFixed(2)} %`;
  const s1 = (v: number) => v.toFixed(1);
  for (const budget of o.budgets) {
    const ours = sixstep.filter((p) => p.budget === budget);
    const lasts = o.seeds.map((seed) => reference.filter((p) => p.budget === budget && p.seed === seed).at(-1)).filter((p): p is Point => Boolean(p));
    console.log(`| ${budget} min | ${spread(ours.map((p) => p.accuracy), pc)} | ${spread(ours.map((p) => p.seconds), s1)} | ${spread(lasts.map((p) => p.accuracy), pc)} | ${spread(lasts.map((p) => p.seconds), s1)} |`);
  }
}
