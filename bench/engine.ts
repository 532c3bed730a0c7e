// `npm run bench`: training throughput of sixstep against PyTorch (Python) on
// the same models, same thread count and same allocator setting, in the same
// run. One JSON line per case: name, samples_per_s, reference,
// reference_samples_per_s, ratio.
//   SIXSTEP_BENCH_SECONDS (default 5) per case and side; SIXSTEP_BENCH_THREADS (default 2).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { manualSeed, randn, randint, setNumThreads, tidy, engineInfo, type Tensor } from '../src/tensor/index.js';
import { crossEntropy, type Module } from '../src/nn/index.js';
import { Adam, AdamW, type Optimizer } from '../src/optim/index.js';
import { resnet8, mlp } from './models.js';

const seconds = Number(process.env.SIXSTEP_BENCH_SECONDS ?? 5);
const threads = Number(process.env.SIXSTEP_BENCH_THREADS ?? 2);
const only = process.argv.slice(2);
const cases = ['resnet8', 'mlp', 'tiny-mlp'].filter((c) => !only.length || only.includes(c));

function build(name: string): { model: Module; x: Tensor; y: Tensor; opt: Optimizer } {
  manualSeed(0);
  const [model, x, y] =
    name === 'resnet8' ? [resnet8(), randn([128, 1, 28, 28]), randint(0, 10, [128])]
    : name === 'mlp' ? [mlp([64, 256, 256, 10]), randn([256, 64]), randint(0, 10, [256])]
    : [mlp([16, 32, 3]), randn([32, 16]), randint(0, 3, [32])];
  const opt = name === 'resnet8' ? new AdamW({ params: model.parameters(), lr: 1e-3 }) : new Adam({ params: model.parameters(), lr: 1e-3 });
  return { model, x, y, opt };
}

function measure(name: string): number {
  const { model, x, y, opt } = build(name);
  const step = () =>
    tidy(() => {
      opt.zeroGrad();
      crossEntropy(model.forward(x), y).backward();
      opt.step();
    });
  for (let i = 0; i < 5; i++) step();
  let n = 0;
  const t0 = performance.now();
  let el = 0;
  for (;;) {
    step();
    n++;
    el = (performance.now() - t0) / 1000;
    if (el >= seconds && n >= 10) break;
  }
  const batch = x.shape[0];
  opt.dispose();
  model.dispose();
  x.dispose();
  y.dispose();
  return (n * batch) / el;
}

/** The Python that has torch: Debian's python3-torch lives with /usr/bin/python3. */
function referencePython(): string | null {
  for (const py of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(py, ['-c', 'import torch'], { stdio: 'ignore' });
    if (r.status === 0) return py;
  }
  return null;
}

function runReference(py: string, names: string[]): Map<string, number> {
  const script = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'reference.py');
  // The same allocator setting the addon applies at load (native/runtime.cc).
  const env = { ...process.env, GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=268435456' };
  if (process.env.SIXSTEP_MALLOC === 'default') delete (env as Record<string, string | undefined>).GLIBC_TUNABLES;
  const r = spawnSync(py, [script, String(threads), String(seconds), ...names], { encoding: 'utf8', env });
  const out = new Map<string, number>();
  if (r.status !== 0) {
    process.stderr.write(`PyTorch reference failed: ${r.stderr}\n`);
    return out;
  }
  for (const line of r.stdout.trim().split('\n')) {
    const j = JSON.parse(line) as { name: string; samples_per_s: number };
    out.set(j.name, j.samples_per_s);
  }
  return out;
}

setNumThreads(threads);
const py = referencePython();
const info = engineInfo();
process.stderr.write(`sixstep on libtorch ${info.torchVersion}, ${threads} threads, ${seconds} s per case; reference: ${py ? `PyTorch via ${py}` : 'none (install python3-torch)'}\n`);
const ours = new Map(cases.map((c) => [c, measure(c)]));
const theirs = py ? runReference(py, cases) : new Map<string, number>();
for (const c of cases) {
  const s = ours.get(c)!;
  const r = theirs.get(c) ?? null;
  console.log(JSON.stringify({ name: c, samples_per_s: Math.round(s), reference: r ? 'pytorch' : null, reference_samples_per_s: r ? Math.round(r) : null, ratio: r ? Number((s / r).toFixed(3)) : null, threads, libtorch: info.torchVersion }));
}
if (!existsSync('/usr/bin/python3')) process.exitCode = 0;
