// ResNet-18/34/50 against torchvision 0.14: the same parameter and buffer
// names (in the same set), shapes, and eval-mode logits for the same weights
// (test/fixtures/generate_torchvision.py). And loading weights names every
// tensor that does not fit.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { tidy, noGrad, dispose, saveSafetensors, loadSafetensors } from '../../src/tensor/index.js';
import { ResNet, torchvisionResNet, loadWeights, weightsMismatch, WeightsError, TORCHVISION_ARCHS } from '../../src/models/index.js';
import { fixturePath, assertClose, noLeaks } from '../helpers.js';
import { patternState, patternInput, pattern } from './pattern.js';

interface ArchRef { names: Array<[string, number[], string]>; logits: number[]; parameters: number }
const ref = JSON.parse(readFileSync(fixturePath('torchvision-reference.json'), 'utf8')) as { classes: number; input_shape: number[]; archs: Record<string, ArchRef> };

describe('torchvision ResNets', () => {
  for (const arch of Object.keys(TORCHVISION_ARCHS)) {
    it(`${arch}: names, shapes, parameter count and eval logits match torchvision`, () => noLeaks(() => {
      const r = ref.archs[arch];
      const net = new ResNet(torchvisionResNet(arch, { classes: ref.classes }));
      try {
        const own = Object.entries(net.stateDict()).map(([n, t]) => [n, t.shape, t.dtype] as [string, number[], string]);
        assert.deepEqual([...own].sort((a, b) => (a[0] < b[0] ? -1 : 1)), [...r.names].sort((a, b) => (a[0] < b[0] ? -1 : 1)));
        assert.equal(net.parameterCount(), r.parameters);
        const state = patternState(r.names.map(([n, s]) => [n, s]));
        // Through a file, as a user's torchvision export would arrive.
        const dir = mkdtempSync(join(tmpdir(), 'sixstep-tv-'));
        try {
          saveSafetensors(join(dir, 'w.safetensors'), state);
          dispose(state);
          const report = loadWeights(net, join(dir, 'w.safetensors'));
          assert.equal(report.loaded.length, r.names.length);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
        net.eval();
        noGrad(() => tidy(() => assertClose(net.forward(patternInput(ref.input_shape)), r.logits, { rtol: 1e-4, atol: 1e-4, what: `${arch} logits` })));
      } finally {
        net.dispose();
      }
    }));
  }

  it('a file written by torch with torchvision names reads back bit-identical to the pattern', () => noLeaks(() => {
    const { tensors } = loadSafetensors(fixturePath('torchvision-resnet18-stem.safetensors'));
    const names = ref.archs.resnet18.names.map(([n]) => n).sort();
    try {
      assert.ok(Object.keys(tensors).length > 10);
      for (const [n, t] of Object.entries(tensors)) {
        const expected = pattern(n, t.shape, names.indexOf(n));
        try {
          assert.deepEqual(t.toArray(), expected.toArray(), n);
        } finally {
          expected.dispose();
        }
      }
    } finally {
      dispose(tensors);
    }
  }));

  it('loading a file that does not fit names what is missing, unexpected, and every shape mismatch', () => noLeaks(() => {
    const net = new ResNet(torchvisionResNet('resnet18', { classes: 10 }));
    try {
      assert.throws(
        () => loadWeights(net, fixturePath('torchvision-resnet18-stem.safetensors')),
        (e: unknown) => e instanceof WeightsError && /missing from the file: layer2\.0\.conv1\.weight/.test(e.message) && e.mismatch!.missing.includes('fc.weight') && e.mismatch!.unexpected.length === 0,
      );
      const r34 = new ResNet(torchvisionResNet('resnet34', { classes: 5 }));
      try {
        // A ResNet-34 state dict into a ResNet-18: extra blocks, and a head for 5 classes.
        const err = (() => { try { loadWeights(net, r34.stateDict()); } catch (e) { return e as WeightsError; } return null; })();
        assert.ok(err instanceof WeightsError);
        assert.ok(err.mismatch!.unexpected.includes('layer1.2.conv1.weight'));
        assert.deepEqual(err.mismatch!.shape, [{ name: 'fc.weight', file: [5, 512], model: [10, 512] }, { name: 'fc.bias', file: [5], model: [10] }]);
        assert.match(err.message, /fc\.weight is \[5, 512\] in the file, the model expects \[10, 512\]/);
        assert.match(err.message, /unexpected \(not in the model\): layer1\.2\./);
        // A new head: ignoring fc. loads the rest.
        const r18 = new ResNet(torchvisionResNet('resnet18', { classes: 5 }));
        try {
          const rep = loadWeights(net, r18.stateDict(), { ignore: ['fc.'] });
          assert.deepEqual(rep.ignored, ['fc.weight', 'fc.bias']);
          assert.deepEqual(net.stem.weight.toArray().slice(0, 5), r18.stem.weight.toArray().slice(0, 5));
        } finally {
          r18.dispose();
        }
      } finally {
        r34.dispose();
      }
      assert.throws(() => loadWeights(net, '/nonexistent/w.safetensors'), /no such file/);
    } finally {
      net.dispose();
    }
  }));

  it('weightsMismatch is a pure comparison of names and shapes', () => {
    const m = weightsMismatch({ a: { shape: [2] }, b: { shape: [3] }, 'fc.w': { shape: [1] } }, { a: { shape: [2] }, b: { shape: [4] }, c: { shape: [1] }, 'fc.w': { shape: [9] } }, ['fc.']);
    assert.deepEqual(m, { missing: [], unexpected: ['c'], shape: [{ name: 'b', file: [4], model: [3] }] });
  });
});
