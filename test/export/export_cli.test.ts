// `sixstep export`: writes the ONNX file and its sidecar for a trained model;
// a bad option exits 2 and a foreign model directory exits 4, each with a message naming it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { decodeModel } from '../../src/export/index.js';
import { PENGUINS, runCli, trainModel } from '../serve/helpers.js';

const out = mkdtempSync(join(tmpdir(), 'sixstep-export-cli-'));
let project = '';
after(() => {
  rmSync(out, { recursive: true, force: true });
  if (project) rmSync(dirname(project), { recursive: true, force: true });
});

test('export writes model.onnx and model.inputs.json; bad options exit 2, a bad model directory 4', () => {
  const trained = trainModel(PENGUINS, 'Species');
  project = trained.project;
  const file = join(out, 'penguins.onnx');
  const r = runCli(['export', '--model', trained.model, '--format', 'onnx', '--out', file, '--json']);
  assert.equal(r.status, 0, r.stderr);
  const res = JSON.parse(r.stdout);
  assert.equal(res.opset, 13);
  assert.deepEqual(res.outputs, ['probabilities', 'class']);
  assert.deepEqual(res.classes, ['Adelie', 'Chinstrap', 'Gentoo']);
  assert.ok(existsSync(join(out, 'penguins.inputs.json')));
  const m = decodeModel(readFileSync(file));
  assert.deepEqual(m.graph!.input!.map((i) => i.name), ['features']);

  const bad = runCli(['export', '--model', trained.model, '--format', 'tflite', '--out', file]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--format: expected onnx, found "tflite"/);
  const noModel = runCli(['export', '--model', out, '--out', file]);
  assert.equal(noModel.status, 4);
  assert.match(noModel.stderr, /checksums\.json/);
});
