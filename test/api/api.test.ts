// The high-level API against the command line it mirrors: the same results as
// `--json` (plan exactly; fit's figures, decisions and keys; auto's keys), the
// same refusals with the same messages as typed errors, loadModel's
// predictions equal to `sixstep predict`'s for tables and images with every
// tensor released by dispose(), an AbortSignal that stops a run, and the
// entries reachable with require('sixstep') from CommonJS.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { auto, fit, plan, loadModel, RunInterrupted, UsageError, UnknownColumnError, ModelDirError, InputError, type TableRow } from '../../src/index.js';
import { liveTensors } from '../../src/tensor/index.js';
import { runCli } from '../serve/helpers.js';

const root = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..', '..', '..');
const penguins = join(root, 'data', 'penguins.json');
let dir = '';
const project = (name: string) => join(dir, name);
/** A plain JSON copy (what --json prints: non-finite numbers as null). */
const asJson = (x: unknown) => JSON.parse(JSON.stringify(x, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)));
/** The CLI's refusal: its first stderr line, less "error: ". */
function cliError(args: string[]): { status: number | null; message: string } {
  const r = runCli(args);
  return { status: r.status, message: r.stderr.split('\n')[0].replace(/^error: /, '') };
}

function untimed(j: any): unknown {
  if (j?.linearReference) {
    delete j.linearReference.seconds;
    for (const t of j.linearReference.tried ?? []) delete t.seconds;
  }
  return j;
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'sixstep-api-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('plan()', () => {
  it('returns exactly what `sixstep plan --json` prints', async () => {
    const api = await plan({ data: penguins, target: 'Species', project: project('plan-api'), hidden: [16, 8] });
    const r = runCli(['plan', '--data', penguins, '--target', 'Species', '--project', project('plan-cli'), '--hidden', '16,8', '--json']);
    assert.equal(r.status, 0, r.stderr);
    // The linear reference's wall time is the one figure two runs cannot share.
    assert.deepEqual(untimed(asJson(api)), untimed(JSON.parse(r.stdout)));
    assert.equal(api.task, 'multiclass');
    assert.ok(api.linearReference && api.linearReference.metrics.accuracy > 0.9);
    assert.deepEqual(api.classes, ['Adelie', 'Chinstrap', 'Gentoo']);
  });

  it('ignore and kinds reach the plan as --ignore and --kind do', async () => {
    const api = await plan({ data: penguins, target: 'Species', project: project('plan-ignore-api'), ignore: ['Island'], kinds: { Sex: 'categorical' } });
    const r = runCli(['plan', '--data', penguins, '--target', 'Species', '--project', project('plan-ignore-cli'), '--ignore', 'Island', '--kind', 'Sex=categorical', '--json']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(untimed(asJson(api)), untimed(JSON.parse(r.stdout)));
    assert.doesNotMatch(JSON.stringify(api.architecture), /Island/);
  });

  it('refuses options as the command line does: a UsageError with its message', async () => {
    const cases: Array<[Parameters<typeof plan>[0] | Parameters<typeof fit>[0] | Parameters<typeof auto>[0], string[], 'plan' | 'fit' | 'auto']> = [
      [{ data: penguins, target: 'Species', validationShare: 1.5 }, ['--validation-share', '1.5'], 'plan'],
      [{ data: penguins, target: 'Species', validationShare: 0.5, testShare: 0.5 }, ['--validation-share', '0.5', '--test-share', '0.5'], 'plan'],
      [{ data: penguins, target: 'Species', epochs: 0 }, ['--epochs', '0'], 'fit'],
      [{ data: penguins, target: 'Species', metric: 'rmse' }, ['--metric', 'rmse'], 'fit'],
      [{ data: penguins, target: 'Species', budget: -1 }, ['--budget', '-1'], 'auto'],
      [{ data: penguins, target: 'Species', folds: 1 }, ['--folds', '1'], 'auto'],
    ];
    for (const [options, flags, command] of cases) {
      const p = project(`refuse-${command}`);
      const cli = cliError([command, '--data', penguins, '--target', 'Species', '--project', p, ...flags]);
      assert.equal(cli.status, 2, `${flags.join(' ')}: ${cli.message}`);
      const entry = command === 'plan' ? plan : command === 'fit' ? fit : auto;
      await assert.rejects(entry({ ...options, project: p } as never), (e: Error) => {
        assert.ok(e instanceof UsageError, `${flags.join(' ')}: ${e.name}: ${e.message}`);
        assert.equal(e.message, cli.message);
        return true;
      });
    }
  });

  it('names a missing column as the command line does (UnknownColumnError, the closest column suggested)', async () => {
    const cli = cliError(['plan', '--data', penguins, '--target', 'species', '--project', project('refuse-plan')]);
    await assert.rejects(plan({ data: penguins, target: 'species', project: project('refuse-plan') }), (e: Error) => e instanceof UnknownColumnError && e.message === cli.message);
  });
});

describe('fit() and auto() on a table, loadModel() on their models', () => {
  const options = { data: penguins, target: 'Species', epochs: 3, optimizer: 'adam' as const, lr: 0.01 };

  it('fit returns what `sixstep fit --json` prints: the same figures, decisions and keys', async () => {
    const api = await fit({ ...options, project: project('fit-api'), device: 'cpu' });
    const r = runCli(['fit', '--data', penguins, '--target', 'Species', '--epochs', '3', '--optimizer', 'adam', '--lr', '0.01', '--device', 'cpu', '--project', project('fit-cli'), '--json']);
    assert.equal(r.status, 0, r.stderr);
    const cli = JSON.parse(r.stdout);
    const { modelDir, ...rest } = asJson(api);
    assert.equal(modelDir, api.model);
    assert.deepEqual(Object.keys(rest).sort(), Object.keys(cli).sort());
    for (const k of ['metrics', 'decisions', 'learningRate', 'savedEpoch', 'baseline', 'signal', 'status', 'splits', 'dataFingerprint']) assert.deepEqual(rest[k], cli[k], k);
    assert.ok(existsSync(join(api.modelDir, 'manifest.json')));
  });

  let modelDir = '';
  it('auto runs within its budget in minutes: modelDir, test metrics and decisions typed; the keys of `sixstep auto --json`', async () => {
    const t0 = Date.now();
    const run = await auto({ data: penguins, target: 'Species', budget: 0.1, project: project('auto-api'), device: 'cpu' });
    assert.ok(Date.now() - t0 < 0.1 * 60_000 + 10_000, 'the budget holds');
    modelDir = run.modelDir;
    const accuracy: number | null | undefined = run.metrics.test.accuracy;
    assert.ok(typeof accuracy === 'number' && accuracy > 0.8, `test accuracy ${accuracy}`);
    assert.ok(run.decisions.some((d) => d.step === 5));
    assert.equal(run.status, 'finished');
    const r = runCli(['auto', '--data', penguins, '--target', 'Species', '--budget', '0.1', '--device', 'cpu', '--project', project('auto-cli'), '--json']);
    assert.equal(r.status, 0, r.stderr);
    const { modelDir: _m, ...rest } = asJson(run);
    assert.deepEqual(Object.keys(rest).sort(), Object.keys(JSON.parse(r.stdout)).sort());
  });

  it('loadModel predicts rows as `sixstep predict` does, a tuple in and a tuple out; dispose releases every tensor', async () => {
    const rows = (JSON.parse(readFileSync(penguins, 'utf8')) as Array<Record<string, unknown>>).filter((x) => Object.values(x).every((v) => v !== null)).slice(0, 5);
    const file = join(dir, 'rows.json');
    writeFileSync(file, JSON.stringify(rows));
    const r = runCli(['predict', '--model', modelDir, '--data', file, '--device', 'cpu', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const cli = JSON.parse(r.stdout).predictions as Array<{ label: string; probabilities: Record<string, number> }>;
    const baseline = liveTensors();
    const model = await loadModel(modelDir, { device: 'cpu' });
    assert.equal(model.input, 'table');
    assert.ok(model.fields.some((f) => f.name === 'Island'));
    const predictions = await model.predict(rows as TableRow[]);
    assert.equal(predictions.length, rows.length);
    predictions.forEach((p, i) => {
      assert.equal(p.task, 'multiclass');
      assert.equal(p.prediction, cli[i].label);
      for (const [c, v] of Object.entries(p.probabilities ?? {})) assert.ok(Math.abs(v - cli[i].probabilities[c]) < 1e-6, `${c}: ${v} against ${cli[i].probabilities[c]}`);
    });
    const [one] = await model.predict([rows[0] as TableRow]);
    assert.equal(one.prediction, predictions[0].prediction);
    await assert.rejects(model.predict([{ Island: 'Biscoe' }]), InputError);
    model.dispose();
    assert.equal(liveTensors(), baseline, 'the live tensor count is back at its baseline');
    await assert.rejects(model.predict(rows as TableRow[]), /disposed/);
  });

  it('loadModel refuses what is not a model directory (ModelDirError)', async () => {
    await assert.rejects(loadModel(dir), ModelDirError);
  });

  it('an aborted signal stops the run: RunInterrupted carries what --json would print', async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(fit({ ...options, project: project('fit-abort'), device: 'cpu', signal: controller.signal }), (e: Error) => e instanceof RunInterrupted && (e.result as { status: string }).status === 'interrupted');
  });
});

describe('fit() on an image folder, loadModel() on images', () => {
  it('predicts file paths and bytes as `sixstep predict` does; dispose releases every tensor', async () => {
    const folder = join(dir, 'colors');
    const colors: Record<string, [number, number, number]> = { red: [200, 30, 30], blue: [30, 40, 200] };
    for (const [name, rgb] of Object.entries(colors)) {
      mkdirSync(join(folder, name), { recursive: true });
      for (let i = 0; i < 8; i++) {
        const raw = Buffer.alloc(12 * 10 * 3);
        for (let k = 0; k < raw.length; k++) raw[k] = Math.max(0, Math.min(255, rgb[k % 3] + (((k * 31 + i * 17) % 41) - 20)));
        writeFileSync(join(folder, name, `${i}.png`), await sharp(raw, { raw: { width: 12, height: 10, channels: 3 } }).png().toBuffer());
      }
    }
    const run = await fit({ data: folder, epochs: 2, batchSize: 8, lr: 0.01, project: project('images'), device: 'cpu' });
    const files = [join(folder, 'red', '0.png'), join(folder, 'blue', '1.png')];
    const r = runCli(['predict', '--model', run.modelDir, '--data', folder, '--device', 'cpu', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const cli = new Map((JSON.parse(r.stdout).predictions as Array<{ file: string; label: string; probabilities: Record<string, number> }>).map((p) => [p.file, p]));
    const baseline = liveTensors();
    const model = await loadModel(run.modelDir, { device: 'cpu', top: 1 });
    assert.equal(model.input, 'image');
    const [a, b] = await model.predict([files[0], readFileSync(files[1])]);
    for (const [p, f] of [[a, files[0]], [b, files[1]]] as const) {
      const c = cli.get(f)!;
      assert.ok(c, `the CLI predicted ${f}`);
      assert.equal(p.prediction, c.label);
      for (const [k, v] of Object.entries(p.probabilities ?? {})) assert.ok(Math.abs(v - c.probabilities[k]) < 1e-6);
      assert.equal(p.task === 'binary' && p.top?.length, 1);
    }
    await assert.rejects(model.predict([Buffer.from('not an image')]), /<image 0>/);
    model.dispose();
    assert.equal(liveTensors(), baseline, 'the live tensor count is back at its baseline');
  });
});

describe('CommonJS', () => {
  it("require('sixstep') gives plan, fit, auto, loadModel and the typed errors", () => {
    const r = spawnSync(process.execPath, ['-e', "const s = require('sixstep'); console.log(JSON.stringify(['plan','fit','auto','loadModel','RunInterrupted','UsageError'].map((n) => typeof s[n])))"], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout.trim().split('\n').at(-1)!), ['function', 'function', 'function', 'function', 'function', 'function']);
  });
});
