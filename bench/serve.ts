// Serving latency against the stack's floor, in one run on one machine:
// autocannon offers fixed request rates (default 500, 2000, 5000 requests/s,
// 16 connections) of single-row predictions of a 13-feature classifier to
// `sixstep serve` and to a bare fastify route returning a constant (same JSON
// body parsed), and prints one JSON line per target and load (p50/p90/p99
// latency in ms, requests/s, errors), then one comparison line per load.
// Each server runs in its own process; the load generator is this process.
// The targets take turns, ROUNDS times per load (each after a 2 s warm-up),
// so a burst of other work on a shared machine lands on every target alike;
// the comparison line gives each round's p99 ratio to the bare route and
// their median. Each line also carries the server process's CPU time per
// request (user + system, from /proc; null where there is none).
// Run: node node_modules/typescript/bin/tsc -p . && node dist/bench/serve.js
//   DURATION=10 (s per measurement) ROUNDS=3 LOADS=500,2000,5000 CONNECTIONS=16 ENGINES=onnx[,torch] MODEL=<dir>
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

interface Histogram { average: number; p50: number; p90: number; p99: number; max: number }
interface AutocannonResult { requests: Histogram & { total: number }; latency: Histogram; errors: number; timeouts: number; non2xx: number; duration: number }
type Autocannon = (o: { url: string; connections: number; duration: number; overallRate?: number; method: string; headers: Record<string, string>; body: string }) => Promise<AutocannonResult>;
// autocannon is CommonJS without bundled types.
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const cli = join(root, 'dist', 'src', 'cli', 'main.js');
const DURATION = Number(process.env.DURATION ?? 10);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 16);
const LOADS = (process.env.LOADS ?? '500,2000,5000').split(',').map(Number);
const ENGINES = (process.env.ENGINES ?? 'onnx').split(',');
const ROUNDS = Math.max(1, Number(process.env.ROUNDS ?? 3));
const FEATURES = 13;
const tmp = mkdtempSync(join(tmpdir(), 'sixstep-bench-serve-'));

/** A seeded 13-feature, 3-class table (the classes depend on a few features). */
function syntheticTable(n: number): Array<Record<string, number | string>> {
  let s = 12345;
  const r = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  return Array.from({ length: n }, () => {
    const row: Record<string, number | string> = {};
    for (let j = 0; j < FEATURES; j++) row[`f${j}`] = Math.round((r() * 20 - 10) * 1000) / 1000;
    const z = (row.f0 as number) + 0.5 * (row.f1 as number) - 0.3 * (row.f2 as number) + r() * 4;
    row.label = z > 3 ? 'high' : z < -3 ? 'low' : 'mid';
    return row;
  });
}

function trainedModel(): { model: string; row: Record<string, unknown> } {
  const table = syntheticTable(2000);
  const { label: _, ...row } = table[0];
  if (process.env.MODEL) return { model: process.env.MODEL, row };
  const data = join(tmp, 'thirteen.json');
  writeFileSync(data, JSON.stringify(table));
  const r = spawnSync(process.execPath, [cli, 'fit', '--data', data, '--target', 'label', '--epochs', '3', '--project', join(tmp, 'project'), '--json'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`fit failed: ${r.stderr}`);
  return { model: JSON.parse(r.stdout).model, row };
}

async function start(args: string[]): Promise<{ proc: ChildProcess; url: string }> {
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(createInterface({ input: proc.stdout! }), 'line')) as [string];
  return { proc, url: (JSON.parse(line) as { url: string }).url };
}

/** CPU seconds (user + system) a process has used so far; null without /proc. */
function cpuSeconds(pid: number | undefined): number | null {
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // clock ticks; 100 per second on Linux
  } catch {
    return null;
  }
}

const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function stop(proc: ChildProcess): Promise<void> {
  proc.kill('SIGTERM');
  await once(proc, 'exit');
}

const { model, row } = trainedModel();
const body = JSON.stringify({ rows: [row] });
const targets: Array<{ name: string; args: string[] }> = [
  { name: 'bare-fastify', args: [join(here, 'bare_route.js')] },
  ...ENGINES.map((e) => ({ name: `sixstep-${e}`, args: [cli, 'serve', '--model', model, '--project', join(tmp, 'project'), '--port', '0', '--engine', e, '--json'] })),
];
const servers = new Map<string, { proc: ChildProcess; url: string }>();
try {
  for (const t of targets) servers.set(t.name, await start(t.args));
  for (const load of LOADS) {
    const p99 = new Map<string, number[]>(targets.map((t) => [t.name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const t of targets) {
        const { url, proc } = servers.get(t.name)!;
        const shot = { url: `${url}/predict`, connections: CONNECTIONS, method: 'POST', headers: { 'content-type': 'application/json' }, body };
        await autocannon({ ...shot, duration: 2, overallRate: load }); // warm-up, not reported
        const cpu0 = cpuSeconds(proc.pid);
        const r = await autocannon({ ...shot, duration: DURATION, overallRate: load });
        const cpu1 = cpuSeconds(proc.pid);
        p99.get(t.name)!.push(r.latency.p99);
        console.log(
          JSON.stringify({
            bench: 'serve',
            target: t.name,
            round: round + 1,
            offered_rps: load,
            connections: CONNECTIONS,
            duration_s: DURATION,
            requests_per_s: Math.round(r.requests.average),
            requests: r.requests.total,
            latency_ms: { p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max },
            errors: r.errors,
            timeouts: r.timeouts,
            non2xx: r.non2xx,
            server_cpu_us_per_request: cpu0 === null || cpu1 === null ? null : Math.round(((cpu1 - cpu0) / Math.max(1, r.requests.total)) * 1e6),
          }),
        );
      }
    }
    const floor = p99.get('bare-fastify')!;
    for (const e of ENGINES) {
      const v = p99.get(`sixstep-${e}`)!;
      const ratios = v.map((x, i) => Math.round((x / Math.max(floor[i], 1e-9)) * 100) / 100);
      console.log(JSON.stringify({ bench: 'serve_vs_floor', engine: e, offered_rps: load, rounds: ROUNDS, p99_ms: v, floor_p99_ms: floor, p99_ratio: ratios, median_p99_ratio: median(ratios) }));
    }
  }
} finally {
  for (const s of servers.values()) await stop(s.proc);
  rmSync(tmp, { recursive: true, force: true });
}
