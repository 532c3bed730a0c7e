// sixstep as someone else's dependency: `npm pack` of this checkout (which
// must leave dist/ as it is), then `npm install <tarball>` into a fresh
// project with a clean environment — a fresh HOME (no user .npmrc, an empty
// npm cache and node-gyp cache), no ONNXRUNTIME_NODE_INSTALL, no npm_config_*,
// nothing but the npm registry. The install builds the addon (minutes). Then
// strict TypeScript programs, one ES module and one CommonJS (a nested
// package with "type": "commonjs" resolving the same node_modules), are
// type-checked against the installed package's declarations and run, and the
// installed command plans a table. Timings and sizes go to the test's log.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

/** The environment a newcomer's shell has: PATH, a HOME of its own and the machine's CA bundle; nothing of npm's or this project's. */
function cleanEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`, HOME: home, LANG: 'C.UTF-8' };
  for (const k of ['NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy']) if (process.env[k]) env[k] = process.env[k];
  return env;
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeout = 120_000): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout, maxBuffer: 64 << 20 });
}

const say = (line: string) => process.stderr.write(`[install test] ${line}\n`);

function du(dir: string): number {
  const r = spawnSync('du', ['-sb', dir], { encoding: 'utf8' });
  return Number(r.stdout.split('\t')[0]);
}

const STRICT = { strict: true, target: 'ES2022', module: 'nodenext', moduleResolution: 'nodenext', skipLibCheck: false, noUncheckedIndexedAccess: true, exactOptionalPropertyTypes: true, outDir: 'dist', rootDir: 'src' };

// The same program in both module systems: the documented low-level route, then the high-level API as the README shows it.
const PROGRAM = (esm: boolean) => `${esm ? '' : "'use strict';\n"}import { prepare } from 'sixstep/data';
import { auto, loadModel, type ModelPrediction } from 'sixstep';
import { makePlan, type Plan } from 'sixstep/steps';
import { onnxFeeds } from 'sixstep/export/inputs';
import { confusionCounts } from 'sixstep/metrics/arrays';
import { tensor } from 'sixstep/tensor';
import * as sixstep from 'sixstep';

async function main(data: string, project: string): Promise<void> {
  const prepared = await prepare({ data, target: 'Species', projectDir: project });
  const plan: Plan = makePlan(prepared);
  const classes: string[] = prepared.classes ?? [];
  const t = tensor([1, 2, 3]);
  const sum = t.sum();
  const total: number = sum.item();
  t.dispose();
  sum.dispose();
  const confusion: number[][] = confusionCounts([0, 1, 1], [0, 1, 0], 2);
  const run = await auto({ data, target: 'Species', budget: 0.1, project }); // budget in minutes
  const modelDir: string = run.modelDir;
  const accuracy: number | null | undefined = run.metrics.test.accuracy;
  const decisions: number = run.decisions.length;
  const model = await loadModel(run.modelDir);
  const [p]: [ModelPrediction] = await model.predict([{ Island: 'Biscoe', 'Beak Length (mm)': 47.5, 'Beak Depth (mm)': 15, 'Flipper Length (mm)': 217, 'Body Mass (g)': 5000, Sex: 'FEMALE' }]);
  const prediction: string | string[] | number = p.prediction;
  const probabilities: Record<string, number> | null = p.probabilities;
  model.dispose();
  console.log(JSON.stringify({ module: typeof require === 'function' ? 'commonjs' : 'esm', task: prepared.task, classes, baseline: plan.baseline.description, layers: plan.layers.length, total, confusion, feeds: typeof onnxFeeds, barrel: Object.keys(sixstep).sort(), api: { modelDir, accuracy, decisions, prediction, probabilities } }));
}

const [data, project] = process.argv.slice(2);
if (!data || !project) throw new Error('usage: main <data> <project>');
${esm ? 'await main(data, project);' : 'main(data, project).catch((e: unknown) => {\n  console.error(e);\n  process.exitCode = 1;\n});'}
`;

describe('npm install of the packed tarball into fresh ES module and CommonJS projects', () => {
  let tmp = '';
  let app = '';
  let env: NodeJS.ProcessEnv = {};
  let install: SpawnSyncReturns<string> | null = null;

  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'sixstep-install-'));
    mkdirSync(join(tmp, 'home'));
    env = cleanEnv(join(tmp, 'home'));
    app = join(tmp, 'app');
    mkdirSync(join(app, 'src'), { recursive: true });
    mkdirSync(join(app, 'cjs', 'src'), { recursive: true });
    writeFileSync(join(app, 'package.json'), `${JSON.stringify({ name: 'app', version: '1.0.0', private: true, type: 'module' }, null, 2)}\n`);
    writeFileSync(join(app, 'cjs', 'package.json'), `${JSON.stringify({ name: 'app-cjs', version: '1.0.0', private: true, type: 'commonjs' }, null, 2)}\n`);
  });

  after(() => {
    if (tmp && !process.env.SIXSTEP_KEEP_INSTALL) rmSync(tmp, { recursive: true, force: true });
  });

  it('npm pack checks dist/ and leaves it as it is', () => {
    const before = statSync(join(root, 'dist', 'src', 'index.js')).mtimeMs;
    const r = run('npm', ['pack', '--pack-destination', tmp, '--json'], root, { ...process.env, npm_config_loglevel: 'error' });
    assert.equal(r.status, 0, r.stderr);
    const [packed] = JSON.parse(r.stdout) as Array<{ filename: string; size: number; unpackedSize: number; entryCount: number }>;
    say(`packed ${packed.filename}: ${(packed.size / 1e6).toFixed(2)} MB, ${packed.entryCount} files`);
    assert.equal(statSync(join(root, 'dist', 'src', 'index.js')).mtimeMs, before, 'npm pack rewrote dist/');
    assert.ok(existsSync(join(tmp, packed.filename)));
    writeFileSync(join(tmp, 'tarball'), packed.filename);
  });

  it('installs with no .npmrc and no environment variables, reaching only the npm registry', () => {
    const tarball = join(tmp, readFileSync(join(tmp, 'tarball'), 'utf8'));
    // Nothing configures npm here: no user config, no onnxruntime-node flag, no nodedir.
    const config = run('npm', ['config', 'ls', '-l'], app, env);
    assert.doesNotMatch(config.stdout, /^(onnxruntime-node-install|nodedir) = "/m, 'npm is configured');
    const t0 = Date.now();
    install = run('npm', ['install', tarball, '--no-audit', '--no-fund', '--foreground-scripts'], app, env, 1_800_000);
    const seconds = (Date.now() - t0) / 1000;
    writeFileSync(join(tmp, 'install.log'), `${install.stdout}\n${install.stderr}`);
    assert.equal(install.status, 0, `npm install failed:\n${install.stderr.slice(-4000)}`);
    say(`npm install took ${seconds.toFixed(0)} s; node_modules is ${(du(join(app, 'node_modules')) / 1e6).toFixed(0)} MB`);
    const log = `${install.stdout}\n${install.stderr}`;
    // The addon said what it built against; better-sqlite3 compiled with the seeded headers; ONNX Runtime stayed out.
    assert.match(log, /\[sixstep build\] building the native addon against libtorch/);
    assert.ok(existsSync(join(app, 'node_modules', 'sixstep', 'build', 'Release', 'sixstep.node')), 'the addon was not built');
    assert.ok(existsSync(join(app, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node')), 'better-sqlite3 was not built');
    assert.equal(existsSync(join(app, 'node_modules', 'onnxruntime-node')), false, 'onnxruntime-node (an optional peer) was installed');
    assert.doesNotMatch(log, /nuget|ENOTFOUND api\./);
  });

  for (const esm of [true, false]) {
    const kind = esm ? 'ES module' : 'CommonJS';
    it(`a strict TypeScript ${kind} program type-checks against the installed declarations and runs`, (t) => {
      if (install?.status !== 0) return t.skip('the install failed');
      const dir = esm ? app : join(app, 'cjs');
      writeFileSync(join(dir, 'src', 'main.ts'), PROGRAM(esm));
      writeFileSync(join(dir, 'tsconfig.json'), `${JSON.stringify({ compilerOptions: STRICT, include: ['src'] }, null, 2)}\n`);
      const c = run(process.execPath, [tsc, '-p', 'tsconfig.json'], dir, env);
      assert.equal(c.status, 0, `tsc:\n${c.stdout}${c.stderr}`);
      const data = join(app, 'node_modules', 'sixstep', 'data', 'penguins.json');
      const r = run(process.execPath, [join(dir, 'dist', 'main.js'), data, join(tmp, `project-${esm ? 'esm' : 'cjs'}`)], dir, env);
      assert.equal(r.status, 0, r.stderr);
      const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
      assert.equal(out.module, esm ? 'esm' : 'commonjs');
      assert.equal(out.task, 'multiclass');
      assert.deepEqual(out.classes, ['Adelie', 'Chinstrap', 'Gentoo']);
      // Classes by name in messages.
      assert.match(out.baseline, /majority class (Adelie|Chinstrap|Gentoo)\)$/);
      assert.equal(out.total, 6);
      assert.deepEqual(out.confusion, [[1, 0], [1, 1]]);
      assert.equal(out.feeds, 'function');
      assert.ok(out.barrel.includes('tensor') && out.barrel.includes('serve'));
      // The high-level API: a model directory, the test figure, decisions, and a typed prediction with every class's probability.
      assert.ok(existsSync(join(out.api.modelDir, 'manifest.json')), out.api.modelDir);
      assert.ok(typeof out.api.accuracy === 'number' && out.api.accuracy > 0.8, `test accuracy ${out.api.accuracy}`);
      assert.ok(out.api.decisions > 0);
      assert.ok(['Adelie', 'Chinstrap', 'Gentoo'].includes(out.api.prediction), out.api.prediction);
      assert.deepEqual(Object.keys(out.api.probabilities).sort(), ['Adelie', 'Chinstrap', 'Gentoo']);
    });
  }

  it('the installed command trains, then serves on libtorch without onnxruntime-node, saying how to add it', async (t) => {
    if (install?.status !== 0) return t.skip('the install failed');
    const bin = join(app, 'node_modules', '.bin', 'sixstep');
    const data = join(app, 'node_modules', 'sixstep', 'data', 'penguins.json');
    const project = join(tmp, 'project-cli');
    const fit = run(bin, ['fit', '--data', data, '--target', 'Species', '--epochs', '4', '--optimizer', 'adam', '--lr', '0.01', '--project', project, '--json'], app, env);
    assert.equal(fit.status, 0, fit.stderr);
    // Epoch lines: the loss, nothing else (the optimising metric is the loss by default).
    assert.match(fit.stderr, /epoch 4\/4 .* loss: train [0-9.]+, validation [0-9.]+ in /);
    const model = JSON.parse(fit.stdout).model as string;
    // The default engine falls back to libtorch with a note.
    const child = spawn(bin, ['serve', '--model', model, '--port', '0', '--project', project], { cwd: app, env });
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += b));
    child.stdout.on('data', (b: Buffer) => (err += b));
    const deadline = Date.now() + 120_000;
    while (!/serving .* at http:\/\/127\.0\.0\.1:\d+/.test(err) && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    assert.match(err, /note: serving with libtorch \(--engine torch\): onnxruntime-node \(an optional dependency\) is not installed; `ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node@~1\.30\.0` adds it for the ONNX engine/);
    assert.match(err, /serving .* at http:\/\/127\.0\.0\.1:\d+/);
    // Asked for by name, the ONNX engine is refused with the same command.
    const onnx = run(bin, ['serve', '--model', model, '--engine', 'onnx', '--port', '0', '--project', project], app, env);
    assert.equal(onnx.status, 2, onnx.stderr);
    assert.match(onnx.stderr, /--engine onnx: onnxruntime-node \(an optional dependency\) is not installed/);
  });
});
