// The addon-boundary fuzzer, run by fuzz.test.ts in a child process so that a
// crash shows as a signal exit instead of taking the test runner down.
// argv: seed, cases. Every case calls the addon with random names and
// arguments: real and bogus operators, tensors of many shapes and dtypes,
// disposed handles, another thread's handles, NaN, infinities, huge and
// fractional numbers. Every failure must be a typed TorchError; at the end
// the live-tensor count must be back at its baseline. Prints one JSON line.
import { Worker } from 'node:worker_threads';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { native, type Handle } from '../../src/tensor/native.js';
import { TorchError } from '../../src/tensor/errors.js';

const seed = Number(process.argv[2] ?? 1);
const cases = Number(process.argv[3] ?? 3000);
// With a trace file, each case is written before it runs: after a crash its last line is the culprit.
const trace = process.env.SIXSTEP_FUZZ_TRACE;
if (trace) writeFileSync(trace, '');

// mulberry32: small, seeded, reproducible.
let s = seed >>> 0;
function rand(): number {
  s = (s + 0x6d2b79f5) >>> 0;
  let t = s;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));

// Operators sixstep itself uses (every overload libtorch has for them), and names that do not exist.
const NAMES = `abs adaptive_avg_pool2d add add_ affine_grid_generator all any arange argmax argmin argsort avg_pool2d batch_norm bernoulli_
binary_cross_entropy_with_logits bmm cat ceil chunk clamp clamp_ clone constant_pad_nd contiguous conv2d copy_ cos cross_entropy_loss cumsum
detach div div_ dropout embedding empty eq exp expand eye fill_ flatten flip floor full full_like gather ge gelu grid_sampler gt hardtanh index
index_put_ index_select isfinite isnan l1_loss le leaky_relu lerp_ linear linspace log log1p log_softmax logical_not logsumexp lt masked_fill
masked_select matmul max max_pool2d maximum mean min minimum mm mse_loss mul mul_ nanmedian narrow ne neg norm normal_ one_hot ones ones_like
pairwise_distance permute pow prod rand randint randn randn_like randperm reciprocal relu repeat reshape round rsqrt scatter scatter_add select
sigmoid sign sin slice softmax sort split sqrt square squeeze stack std sub sub_ sum t tanh to topk transpose triplet_margin_loss uniform_
unsqueeze var view where zero_ zeros zeros_like`.split(/\s+/).map((n) => `aten::${n}`);
const wanted = new Set(NAMES);
const REAL = native.listOps().filter((o) => wanted.has(o.split('.')[0])).map((o) => {
  const dot = o.indexOf('.');
  return dot < 0 ? [o, ''] : [o.slice(0, dot), o.slice(dot + 1)];
});
const BOGUS: Array<[unknown, unknown]> = [['aten::nope', ''], ['aten::add', 'NoSuchOverload'], ['', ''], ['add', 'Tensor'], [42, null], [null, undefined], ['aten::' + 'x'.repeat(300), '']];

const NUMBERS = [0, 1, 2, 3, 4, -1, -2, 0.5, -0.5, 2.5, 1e-8, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e300, -1e300,
  2 ** 53, 2 ** 62, 2 ** 63, 1e18, -1e18, 7, 6, 11, 99, 262, -0];
const STRINGS = ['cpu', 'cuda', 'cuda:0', 'meta', 'garbage', '', 'sum', 'mean', 'none', 'tanh', 'reflect', 'float32', '\u0000'];

const base = native.liveTensors();
let pool: Handle[] = [];
const stale: Handle[] = [];
const optimizers: number[] = [];

function make(shape: number[], dtype: number, requiresGrad = false): Handle {
  const n = shape.reduce((a, b) => a * b, 1);
  const buf = dtype === 4 ? BigInt64Array.from({ length: n }, () => BigInt(int(0, 3))) : dtype === 11 ? Uint8Array.from({ length: n }, () => int(0, 1)) : dtype === 7 ? Float64Array.from({ length: n }, () => rand() * 4 - 2) : Float32Array.from({ length: n }, () => rand() * 4 - 2);
  const h = native.fromBuffer(buf, shape, dtype);
  if (requiresGrad) native.setRequiresGrad(h, true);
  return h;
}
function seedPool(): void {
  pool.push(make([3, 4], 6), make([2, 3, 4, 5], 6), make([1, 3, 8, 8], 6), make([5], 4), make([3, 4], 11), make([4], 7), make([], 6), make([0, 3], 6),
    make([3, 4], 6, true), make([2, 2], 4), make([4, 3], 6, true), make([2, 4, 4, 2], 6), make([6], 6));
}

// Foreign handles: tensors of a worker_thread that stays alive while the fuzz runs.
async function foreignHandles(): Promise<{ handles: Handle[]; stop: () => Promise<void> }> {
  const w = new Worker(
    `const { parentPort } = require('node:worker_threads');
     import(${JSON.stringify(new URL('../../src/tensor/native.js', import.meta.url).href)}).then(({ native }) => {
       const hs = [native.fromBuffer(new Float32Array(12), [3, 4], 6), native.fromBuffer(new Float32Array(4), [4], 6)];
       parentPort.postMessage(hs);
       parentPort.once('message', () => { native.dispose(...hs); parentPort.close(); });
     });`,
    { eval: true },
  );
  const [handles] = (await once(w, 'message')) as [Handle[]];
  return { handles, stop: async () => { w.postMessage('stop'); await once(w, 'exit'); } };
}

let foreign: Handle[] = [];

function handleArg(): Handle {
  const r = rand();
  if (r < 0.8 && pool.length) return pick(pool);
  if (r < 0.9 && stale.length) return pick(stale);
  return foreign.length ? pick(foreign) : -1;
}
function value(depth = 0): unknown {
  const r = rand();
  if (r < 0.35) return handleArg();
  if (r < 0.55) return pick(NUMBERS);
  if (r < 0.7 && depth < 2) return Array.from({ length: int(0, 4) }, () => (rand() < 0.7 ? pick([0, 1, 2, 3, -1, 2, 3]) : value(depth + 1)));
  if (r < 0.75 && depth < 2) return Array.from({ length: int(1, 3) }, () => handleArg());
  if (r < 0.8) return rand() < 0.5;
  if (r < 0.86) return pick(STRINGS);
  if (r < 0.9) return pick([null, undefined]);
  if (r < 0.93) return {};
  if (r < 0.96) return new Float32Array(int(0, 4));
  return pick([Symbol('x'), () => 1, 10n]);
}
const args = (max: number) => Array.from({ length: int(0, max) }, () => value());

function groupArg(): unknown {
  const g: Record<string, unknown> = { params: Array.from({ length: int(0, 3) }, handleArg) };
  for (const k of ['lr', 'weightDecay', 'momentum', 'dampening', 'eps']) if (rand() < 0.3) g[k] = rand() < 0.5 ? pick(NUMBERS) : value();
  if (rand() < 0.3) g.betas = rand() < 0.5 ? [pick(NUMBERS), pick(NUMBERS)] : value();
  if (rand() < 0.2) g.nesterov = rand() < 0.5 ? true : value();
  return rand() < 0.9 ? g : value();
}

// The addon's other entry points, with random arguments. Left out: setNumThreads
// (it changes the thread pool of the whole machine) and distInit (it binds ports).
const direct: Array<() => unknown> = [
  () => native.dispose(...(args(3) as Handle[])),
  () => native.isLive(value() as Handle),
  () => native.fromBuffer(rand() < 0.7 ? new Float32Array(int(0, 12)) : (value() as any), (rand() < 0.7 ? [int(0, 4), int(0, 3)] : value()) as number[], (rand() < 0.5 ? pick([6, 7, 4, 11, 0, 5, 15]) : value()) as number, value() as string),
  () => native.toBuffer(value() as Handle),
  () => native.meta(value() as Handle),
  () => native.shape(value() as Handle),
  () => native.dtype(value() as Handle),
  () => native.numel(value() as Handle),
  () => native.item(value() as Handle),
  () => native.backward(handleArg(), rand() < 0.5 ? null : (value() as Handle), value() as boolean, value() as boolean),
  () => native.grad(value() as Handle),
  () => native.setGrad(handleArg(), value() as Handle),
  () => native.setRequiresGrad(value() as Handle, value() as boolean),
  () => native.requiresGrad(value() as Handle),
  () => native.isLeaf(value() as Handle),
  () => native.setGradEnabled(rand() < 0.8 ? true : (value() as boolean)),
  () => native.manualSeed(value() as number),
  () => native.getRngState(),
  () => native.setRngState(value() as Handle),
  () => native.schema(value() as number),
  () => optimizers.push(native.optimCreate(pick(['sgd', 'adam', 'adamw', 'lbfgs', value()]) as any, (rand() < 0.9 ? [groupArg()] : value()) as any)),
  () => native.optimStep(rand() < 0.8 && optimizers.length ? pick(optimizers) : (value() as number)),
  () => native.optimZeroGrad(rand() < 0.8 && optimizers.length ? pick(optimizers) : (value() as number)),
  () => native.optimSetLr(rand() < 0.8 && optimizers.length ? pick(optimizers) : (value() as number), value() as number, value() as number),
  () => native.optimSetGroup(rand() < 0.8 && optimizers.length ? pick(optimizers) : (value() as number), rand() < 0.5 ? 0 : (value() as number), groupArg() as any),
  () => native.optimGetGroup(rand() < 0.8 && optimizers.length ? pick(optimizers) : (value() as number), value() as number),
  () => native.optimGetState(rand() < 0.8 && optimizers.length ? pick(optimizers) : (value() as number)),
  () => native.optimSetState(rand() < 0.8 && optimizers.length ? pick(optimizers) : (value() as number), (rand() < 0.5 ? [{ step: pick(NUMBERS), exp_avg: handleArg() }] : value()) as any),
  () => native.optimDispose(value() as number),
  () => native.clipGradNorm(Array.from({ length: int(0, 3) }, handleArg), value() as number, value() as number),
  () => native.clipGradValue(Array.from({ length: int(0, 3) }, handleArg), value() as number),
  () => native.gradNorms(value() as Handle[]),
  () => native.gradsFinite(value() as Handle[]),
  () => native.distInfo(),
  () => native.distAllreduce(value() as Handle[], value() as any, value() as number),
  () => native.distBarrier(),
  () => native.distStoreGet(value() as string),
  () => (native as any).setErrorClasses(rand() < 0.5 ? {} : value()),
];

// Tensors a call returned: kept for later cases when small, disposed otherwise
// (a huge expanded view must not be summed later: that is slow, not wrong).
function collect(v: unknown, out: Handle[]): void {
  if (typeof v === 'number' && native.isLive(v)) out.push(v);
  else if (Array.isArray(v)) for (const e of v) collect(e, out);
  else if (v && typeof v === 'object') for (const e of Object.values(v)) collect(e, out);
}

function runCase(i: number): { typed: boolean; error?: string } {
  const before = new Set(pool);
  let result: unknown;
  let desc = '';
  try {
    if (rand() < 0.65) {
      const [name, overload] = rand() < 0.95 ? pick(REAL) : pick(BOGUS);
      const a = args(6);
      desc = `call ${String(name)}.${String(overload)}`;
      if (trace) appendFileSync(trace, `${i} ${desc} ${JSON.stringify(a, (_k, v) => (typeof v === 'bigint' || typeof v === 'symbol' || typeof v === 'function' ? String(v) : Number.isNaN(v) || v === Infinity || v === -Infinity ? String(v) : v))}\n`);
      const id = native.resolve(name as string, overload as string);
      result = rand() < 0.2 ? native.callVoid(id, ...a) : native.call(id, ...a);
    } else {
      const k = int(0, direct.length - 1);
      desc = `direct #${k}`;
      if (trace) appendFileSync(trace, `${i} ${desc}\n`);
      result = direct[k]();
    }
  } catch (e) {
    return e instanceof TorchError ? { typed: true } : { typed: false, error: `${desc}: ${String(e)}` };
  } finally {
    const made: Handle[] = [];
    collect(result, made);
    for (const h of made) {
      if (before.has(h)) continue;
      if (native.numel(h) <= 100_000 && pool.length < 64) pool.push(h);
      else {
        native.dispose(h);
        stale.push(h);
      }
    }
    // Some of the pool goes stale now and then, so disposed handles keep turning up.
    if (rand() < 0.05 && pool.length > 4) {
      const h = pool.splice(int(0, pool.length - 1), 1)[0];
      native.dispose(h);
      stale.push(h);
    }
    pool = pool.filter((h) => native.isLive(h));
    if (pool.length < 6) seedPool();
  }
  return { typed: false };
}

// Caps this process's address space a little above what it uses once set up,
// so that a random size that happens to be valid (a handle used as a size is
// about 1e9) fails at once as an OutOfMemoryError instead of filling the
// machine's memory for a minute. Linux (util-linux's prlimit); elsewhere uncapped.
function capAddressSpace(): string {
  try {
    const m = /VmSize:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (!m) return 'uncapped (no /proc)';
    const bytes = (Number(m[1]) + 1_000_000) * 1024;
    const r = spawnSync('prlimit', ['--pid', String(process.pid), `--as=${bytes}`]);
    return r.status === 0 ? `capped at ${Math.round(bytes / 2 ** 20)} MiB` : 'uncapped (prlimit failed)';
  } catch {
    return 'uncapped';
  }
}

const t0 = Date.now();
const f = await foreignHandles();
foreign = f.handles;
seedPool();
const memory = capAddressSpace();
let typed = 0;
let ok = 0;
const untyped: string[] = [];
for (let i = 0; i < cases; i++) {
  const r = runCase(i);
  if (r.error) untyped.push(r.error);
  else if (r.typed) typed++;
  else ok++;
  if (i % 500 === 0) process.stderr.write(`fuzz: case ${i}\n`);
}
native.setGradEnabled(true);
for (const id of optimizers) native.optimDispose(id);
native.dispose(...pool);
await f.stop();
const live = native.liveTensors();
process.stdout.write(`${JSON.stringify({ seed, cases, ok, typed, untyped: untyped.slice(0, 20), untypedCount: untyped.length, base, live, ms: Date.now() - t0, ops: REAL.length, memory })}\n`);
