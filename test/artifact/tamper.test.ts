// Tampered model directories, each re-signed (checksums.json recomputed) so
// the checksum no longer catches it: every one is refused by the one check
// that every loading command goes through, as a ModelDirError naming the file
// and the field, before anything is allocated or built; the commands exit 4
// with that message, and `test` records nothing in the sealed-test ledger.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadModelDir, readModelDir, ModelDirError, CHECKSUMS, MANIFEST, WEIGHTS } from '../../src/artifact/index.js';
import { buildModel, type ModelSpec } from '../../src/steps/architecture.js';
import { Predictor } from '../../src/serve/index.js';
import { openStore } from '../../src/store/index.js';
import { liveTensors } from '../../src/tensor/index.js';
import { PENGUINS, runCli, trainModel } from '../serve/helpers.js';

let model: string;
let project: string;
let scratch: string;
let baseline: number;

before(() => {
  ({ model, project } = trainModel(PENGUINS, 'Species'));
  scratch = mkdtempSync(join(tmpdir(), 'sixstep-tamper-'));
  baseline = liveTensors();
});

after(() => {
  assert.equal(liveTensors(), baseline, 'no refused directory left a tensor behind');
  rmSync(scratch, { recursive: true, force: true });
  rmSync(dirname(project), { recursive: true, force: true });
});

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
let copies = 0;

/** A copy of the model with one file changed, then re-signed. */
function tampered(change: (dir: string) => void): string {
  const dir = join(scratch, `copy-${copies++}`);
  cpSync(model, dir, { recursive: true });
  change(dir);
  const sums: Record<string, string> = {};
  for (const f of [WEIGHTS, MANIFEST]) {
    try {
      sums[f] = sha256(readFileSync(join(dir, f)));
    } catch {
      sums[f] = '0'.repeat(64); // a directory in place of the file: nothing to sign
    }
  }
  writeFileSync(join(dir, CHECKSUMS), JSON.stringify(sums));
  return dir;
}

function editManifest(edit: (m: any) => unknown): (dir: string) => void {
  return (dir) => {
    const file = join(dir, MANIFEST);
    const m = JSON.parse(readFileSync(file, 'utf8'));
    const replaced = edit(m);
    writeFileSync(file, JSON.stringify(replaced === undefined ? m : replaced));
  };
}

/** The weights file with its header rewritten by `edit` (the data section kept as it is). */
function editHeader(edit: (h: Record<string, any>) => void): (dir: string) => void {
  return (dir) => {
    const file = join(dir, WEIGHTS);
    const buf = readFileSync(file);
    const n = Number(buf.readBigUInt64LE(0));
    const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8'));
    edit(header);
    const json = Buffer.from(JSON.stringify(header));
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(json.length));
    writeFileSync(file, Buffer.concat([len, json, buf.subarray(8 + n)]));
  };
}

/** The first two tensors of the header, by name. */
function firstTensors(h: Record<string, any>): [string, string] {
  const names = Object.keys(h).filter((k) => k !== '__metadata__');
  return [names[0], names[1]];
}

function refused(dir: string, file: string, field: RegExp): void {
  assert.throws(
    () => {
      const { model } = loadModelDir<ModelSpec>(dir, (spec) => buildModel(spec));
      model.dispose();
    },
    (e: unknown) => e instanceof ModelDirError && e.file === join(dir, file) && field.test(e.message),
  );
}

const CASES: Array<{ name: string; change: (dir: string) => void; file: string; field: RegExp }> = [
  {
    name: 'a header length of 2^60',
    change: (dir) => {
      const buf = readFileSync(join(dir, WEIGHTS));
      buf.writeBigUInt64LE(1n << 60n, 0);
      writeFileSync(join(dir, WEIGHTS), buf);
    },
    file: WEIGHTS,
    field: /header length 1152921504606846976 exceeds/,
  },
  { name: 'an unknown dtype', change: editHeader((h) => (h[firstTensors(h)[0]].dtype = 'F33')), file: WEIGHTS, field: /unsupported dtype "F33"/ },
  { name: 'a negative dimension', change: editHeader((h) => (h[firstTensors(h)[0]].shape[0] = -3)), file: WEIGHTS, field: /invalid shape/ },
  { name: 'a huge shape', change: editHeader((h) => (h[firstTensors(h)[0]].shape = [2 ** 40, 2 ** 40])), file: WEIGHTS, field: /needs \d.* bytes, offsets give/ },
  {
    name: 'overlapping offsets',
    change: editHeader((h) => {
      // Two tensors of the same size share one range; the file's last bytes are then covered twice over and once not at all.
      const sized = Object.entries(h).filter(([k]) => k !== '__metadata__') as Array<[string, any]>;
      const [a, b] = sized.filter(([, e]) => e.data_offsets[1] - e.data_offsets[0] === sized[0][1].data_offsets[1] - sized[0][1].data_offsets[0]);
      if (!b) throw new Error('the fixture has no two tensors of one size');
      b[1].data_offsets = [...a[1].data_offsets];
    }),
    file: WEIGHTS,
    field: /overlapping another tensor|gap|cover/,
  },
  {
    name: 'a truncated data section',
    change: (dir) => {
      const buf = readFileSync(join(dir, WEIGHTS));
      writeFileSync(join(dir, WEIGHTS), buf.subarray(0, buf.length - 10));
    },
    file: WEIGHTS,
    field: /truncated/,
  },
  { name: 'float weights relabelled int32', change: editHeader((h) => (h[firstTensors(h)[0]].dtype = 'I32')), file: WEIGHTS, field: /is int32 in the file; the architecture's is float32/ },
  {
    name: 'NaN weights',
    change: (dir) => {
      const buf = readFileSync(join(dir, WEIGHTS));
      const n = Number(buf.readBigUInt64LE(0));
      buf.writeFloatLE(NaN, 8 + n); // the first value of the first tensor
      writeFileSync(join(dir, WEIGHTS), buf);
    },
    file: WEIGHTS,
    field: /holds NaN values/,
  },
  { name: 'a null manifest', change: editManifest(() => null), file: MANIFEST, field: /expected a JSON object, found null/ },
  { name: 'a manifest that is an array', change: editManifest(() => [1, 2]), file: MANIFEST, field: /expected a JSON object, found an array/ },
  { name: 'a null preprocessing', change: editManifest((m) => void (m.preprocessing = null)), file: MANIFEST, field: /field preprocessing: expected an object, found null/ },
  { name: 'a null architecture', change: editManifest((m) => void (m.architecture = null)), file: MANIFEST, field: /field architecture: expected an object/ },
  { name: 'an unknown task', change: editManifest((m) => void (m.task = 'banana')), file: MANIFEST, field: /field task/ },
  { name: 'a zero std', change: editManifest((m) => void (m.preprocessing.preprocessor.normalizer.std[0] = 0)), file: MANIFEST, field: /field preprocessing\.preprocessor\.normalizer\.std\[0\]: expected a standard deviation/ },
  { name: 'an empty feature list', change: editManifest((m) => void (m.preprocessing.preprocessor.features = [])), file: MANIFEST, field: /field preprocessing\.preprocessor\.features: expected an array of 1/ },
  { name: 'a feature that is null', change: editManifest((m) => void (m.preprocessing.preprocessor.features[0] = null)), file: MANIFEST, field: /features\[0\]/ },
  { name: 'a median that is a string', change: editManifest((m) => void (m.preprocessing.preprocessor.features.find((f: any) => f.kind === 'numeric').median = 'x')), file: MANIFEST, field: /\.median: expected a finite number/ },
  {
    name: 'a ResNet of 100,000 blocks per stage',
    change: editManifest((m) => void (m.architecture = { family: 'resnet', options: { inChannels: 3, classes: 3, blocks: [100000, 100000, 100000] } })),
    file: MANIFEST,
    field: /field architecture\.options\.blocks\[0\]: expected a whole number from 1 to/,
  },
  { name: 'a hidden layer of a billion units', change: editManifest((m) => void (m.architecture.options.hidden = [1e9])), file: MANIFEST, field: /architecture\.options\.hidden\[0\]/ },
  { name: 'hidden layers wider than the weights file', change: editManifest((m) => void (m.architecture.options.hidden = [60000, 60000])), file: MANIFEST, field: /field architecture\.options\.hidden: this layout needs at least \d+ weights; the weights file holds/ },
  { name: 'an unknown family', change: editManifest((m) => void (m.architecture.family = 'transformer')), file: MANIFEST, field: /field architecture\.family: unknown model family "transformer"/ },
  { name: 'one class fewer than the outputs', change: editManifest((m) => void m.preprocessing.preprocessor.target.classes.pop()), file: MANIFEST, field: /the network has 3 outputs; a multiclass model of 2 classes reads 2/ },
  { name: 'a null metrics object', change: editManifest((m) => void (m.metrics = null)), file: MANIFEST, field: /field metrics/ },
  {
    name: 'a directory in place of the manifest',
    change: (dir) => {
      rmSync(join(dir, MANIFEST));
      mkdirSync(join(dir, MANIFEST));
    },
    file: MANIFEST,
    field: /is a directory, expected a file/,
  },
];

test(`${CASES.length} tampered directories are each refused naming the file and the field, before anything is built`, () => {
  for (const c of CASES) {
    const dir = tampered(c.change);
    assert.doesNotThrow(() => JSON.parse(readFileSync(join(dir, CHECKSUMS), 'utf8')), c.name);
    try {
      refused(dir, c.file, c.field);
    } catch (e) {
      throw new Error(`${c.name}: ${(e as Error).message}`);
    }
  }
});

test('a null checksums file, and a directory in place of the weights, name their file', () => {
  const nullSums = join(scratch, 'null-sums');
  cpSync(model, nullSums, { recursive: true });
  writeFileSync(join(nullSums, CHECKSUMS), 'null');
  assert.throws(() => readModelDir(nullSums), (e: unknown) => e instanceof ModelDirError && e.file === join(nullSums, CHECKSUMS) && /found null/.test(e.message));
  const dirWeights = join(scratch, 'dir-weights');
  cpSync(model, dirWeights, { recursive: true });
  rmSync(join(dirWeights, WEIGHTS));
  mkdirSync(join(dirWeights, WEIGHTS));
  assert.throws(() => readModelDir(dirWeights), (e: unknown) => e instanceof ModelDirError && e.file === join(dirWeights, WEIGHTS) && /is a directory/.test(e.message));
});

test('the untouched model still loads and predicts (the checks refuse only what is wrong)', () => {
  const p = Predictor.load(model);
  try {
    assert.equal(p.classes?.length, 3);
  } finally {
    p.dispose();
  }
});

test('every loading command exits 4 with the file and the field; test records nothing in the ledger', () => {
  const zeroStd = tampered(CASES.find((c) => c.name === 'a zero std')!.change);
  const relabelled = tampered(CASES.find((c) => c.name === 'float weights relabelled int32')!.change);
  const nanWeights = tampered(CASES.find((c) => c.name === 'NaN weights')!.change);
  const blocks = tampered(CASES.find((c) => c.name.startsWith('a ResNet'))!.change);
  const runs: Array<[string[], RegExp]> = [
    [['predict', '--model', zeroStd, '--data', PENGUINS], /manifest\.json: field preprocessing\.preprocessor\.normalizer\.std\[0\]/],
    [['serve', '--model', relabelled, '--port', '0', '--project', join(scratch, 'serve-project')], /model\.safetensors: does not fit the architecture in the manifest: tensor ".*" is int32 in the file/],
    [['export', '--model', blocks, '--out', join(scratch, 'x.onnx')], /manifest\.json: field architecture\.options\.blocks\[0\]/],
    [['test', '--model', nanWeights, '--data', PENGUINS, '--target', 'Species', '--project', project], /model\.safetensors: tensor ".*" holds NaN values/],
  ];
  const store = openStore(project);
  const before = store.ledger({}).length;
  store.close();
  for (const [args, message] of runs) {
    const r = runCli(args);
    assert.equal(r.status, 4, `${args[0]}: exit ${r.status}\n${r.stderr}`);
    assert.match(r.stderr, message, args[0]);
    assert.doesNotMatch(r.stderr, /TypeError|at .*\.js:\d+/, `${args[0]}: no stack trace`);
  }
  const after = openStore(project);
  assert.equal(after.ledger({}).length, before, 'the refused test wrote nothing to the ledger');
  after.close();
});

test('test refuses a model whose loss is absurd (finite weights scaled by 1e30) and records nothing', () => {
  const huge = tampered((dir) => {
    const file = join(dir, WEIGHTS);
    const buf = readFileSync(file);
    const n = Number(buf.readBigUInt64LE(0));
    const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8'));
    // The head's bias: every logit of the first class moves by 1e30, the output stays finite on zeros.
    const [, bias] = Object.entries(header).find(([k]) => k === 'head.bias') as [string, any];
    buf.writeFloatLE(1e30, 8 + n + bias.data_offsets[0]);
    writeFileSync(file, buf);
  });
  const store = openStore(project);
  const before = store.ledger({}).length;
  store.close();
  const r = runCli(['test', '--model', huge, '--data', PENGUINS, '--target', 'Species', '--project', project]);
  assert.equal(r.status, 4, r.stderr);
  assert.match(r.stderr, /its test loss is .* times the naive baseline's .*Nothing was recorded/);
  const after = openStore(project);
  assert.equal(after.ledger({}).length, before);
  after.close();
});

test('doctor reports a damaged model directory of the latest run through the same check (last: it damages the trained model)', () => {
  const m = join(model, MANIFEST);
  writeFileSync(m, readFileSync(m, 'utf8').replace('"multiclass"', '"regression"'));
  const r = runCli(['doctor', '--project', project, '--json']);
  assert.equal(r.status, 0, r.stderr);
  const d = JSON.parse(r.stdout);
  assert.equal(d.model.dir, model);
  assert.equal(d.model.ok, false);
  assert.match(d.model.problem, /manifest\.json: checksum mismatch/);
});
