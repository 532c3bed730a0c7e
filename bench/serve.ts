// Serving throughput: autocannon against `sixstep serve` on 127.0.0.1, one
// single-row tabular prediction per request, 64 connections for 30 s; prints
// one JSON line with requests/s, p50/p99 latency (ms) and errors.
// The server runs in its own process so the load generator does not share
// its event loop. MODEL=<dir> serves that model; otherwise a penguins model is
// trained first (5 epochs) in a temporary project.
// Run: npx tsc -p . && node dist/bench/serve.js   (DURATION=30 CONNECTIONS=64 BATCH_ROWS=512 MODEL=<dir>)
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

interface Histogram { average: number; p50: number; p90: number; p99: number; max: number }
interface AutocannonResult { requests: Histogram & { total: number }; latency: Histogram; errors: number; timeouts: number; non2xx: number; duration: number }
type Autocannon = (o: { url: string; connections: number; duration: number; method: string; headers: Record<string, string>; body: string }) => Promise<AutocannonResult>;
// autocannon is CommonJS without bundled types.
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = join(root, 'dist', 'src', 'cli', 'main.js');
const DURATION = Number(process.env.DURATION ?? 30);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 64);
/** Rows per micro-batch in the server; 0 turns micro-batching off. */
const BATCH_ROWS = Number(process.env.BATCH_ROWS ?? 512);
const tmp = mkdtempSync(join(tmpdir(), 'sixstep-bench-serve-'));

function trainedModel(): string {
  if (process.env.MODEL) return process.env.MODEL;
  const r = spawnSync(process.execPath, [cli, 'fit', '--data', join(root, 'data', 'penguins.json'), '--target', 'Species', '--epochs', '5', '--project', join(tmp, 'project'), '--json'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`fit failed: ${r.stderr}`);
  return JSON.parse(r.stdout).model;
}

const model = trainedModel();
const server = spawn(process.execPath, [cli, 'serve', '--model', model, '--project', join(tmp, 'project'), '--port', '0', '--batch-rows', String(BATCH_ROWS), '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
try {
  const [line] = (await once(createInterface({ input: server.stdout! }), 'line')) as [string];
  const { url } = JSON.parse(line) as { url: string };
  const row = (JSON.parse(readFileSync(join(root, 'data', 'penguins.json'), 'utf8')) as Array<Record<string, unknown>>)[0];
  const body = JSON.stringify({ rows: [row] });
  const r = await autocannon({ url: `${url}/predict`, connections: CONNECTIONS, duration: DURATION, method: 'POST', headers: { 'content-type': 'application/json' }, body });
  console.log(
    JSON.stringify({
      bench: 'serve_predict_single_row',
      connections: CONNECTIONS,
      batch_rows: BATCH_ROWS,
      duration_s: DURATION,
      requests_per_s: Math.round(r.requests.average),
      requests: r.requests.total,
      latency_ms: { p50: r.latency.p50, p99: r.latency.p99, max: r.latency.max },
      errors: r.errors,
      timeouts: r.timeouts,
      non2xx: r.non2xx,
    }),
  );
} finally {
  server.kill('SIGTERM');
  await once(server, 'exit');
  rmSync(tmp, { recursive: true, force: true });
}
