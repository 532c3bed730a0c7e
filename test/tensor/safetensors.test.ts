// safetensors interchange with PyTorch, and refusal of malformed files.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tidy, tensor, randn, saveSafetensors, loadSafetensors, encodeSafetensors, decodeSafetensors, dispose } from '../../src/tensor/index.js';
import { SafetensorsError } from '../../src/tensor/safetensors.js';
import { reference, fixturePath, assertClose, noLeaks } from '../helpers.js';

describe('safetensors', () => {
  it('reads a file written from PyTorch, every dtype', () => noLeaks(() => {
    const { tensors, metadata } = loadSafetensors(fixturePath('torch-written.safetensors'));
    const ref = reference().safetensors;
    assert.deepEqual(Object.keys(tensors).sort(), Object.keys(ref).sort());
    for (const [k, r] of Object.entries(ref) as Array<[string, any]>) {
      assert.equal(tensors[k].dtype, { float32: 'float32', float64: 'float64', int64: 'int64', uint8: 'uint8', bool: 'bool' }[r.dtype as string]);
      assertClose(tensors[k], r, { rtol: 0, atol: 0, what: k });
    }
    assert.equal(metadata.format, 'pt');
    dispose(tensors);
  }));

  it('writes what it reads: byte-identical round trip of the PyTorch file', () => noLeaks(() => {
    const bytes = readFileSync(fixturePath('torch-written.safetensors'));
    const { tensors, metadata } = decodeSafetensors(bytes);
    const again = encodeSafetensors(tensors, metadata);
    // Same layout rules (names sorted, header space-padded to 8 bytes): same bytes.
    assert.equal(Buffer.compare(again, bytes), 0);
    dispose(tensors);
  }));

  it('saves atomically and loads back', () => noLeaks(() => tidy(() => {
    const dir = mkdtempSync(join(tmpdir(), 'sixstep-st-'));
    const file = join(dir, 'w.safetensors');
    const w = randn([3, 4]);
    saveSafetensors(file, { w, ids: tensor([1, 2], { dtype: 'int64' }) }, { note: 'hi' });
    const { tensors, metadata } = loadSafetensors(file);
    assert.deepEqual(tensors.w.toArray(), w.toArray());
    assert.deepEqual(tensors.ids.toArray(), [1, 2]);
    assert.equal(metadata.note, 'hi');
  })));

  it('refuses malformed files with a message naming the file', () => noLeaks(() => {
    const good = readFileSync(fixturePath('torch-written.safetensors'));
    const n = Number(good.readBigUInt64LE(0));
    const header = good.subarray(8, 8 + n).toString();
    const withHeader = (h: string) => {
      const hb = Buffer.from(h);
      const len = Buffer.alloc(8);
      len.writeBigUInt64LE(BigInt(hb.length));
      return Buffer.concat([len, hb, good.subarray(8 + n)]);
    };
    const bad: Array<[string, Buffer]> = [
      ['empty', Buffer.alloc(0)],
      ['huge header length', Buffer.from([0, 0, 0, 0, 0, 0, 0, 1, 0])],
      ['header past the end', Buffer.concat([good.subarray(0, 8), Buffer.from('{}')])],
      ['truncated data', good.subarray(0, good.length - 3)],
      ['extra data', Buffer.concat([good, Buffer.alloc(8)])],
      ['invalid JSON', withHeader(header.replace('{', '['))],
      ['unknown dtype', withHeader(header.replace('"F32"', '"Q99"'))],
      ['offsets do not fit the shape', withHeader(header.replace(/"shape":\[3,2\]/, '"shape":[3,3]'))],
    ];
    const dir = mkdtempSync(join(tmpdir(), 'sixstep-st-'));
    for (const [what, buf] of bad) {
      const file = join(dir, `${what.replace(/ /g, '_')}.safetensors`);
      writeFileSync(file, buf);
      assert.throws(() => loadSafetensors(file), (e: Error) => e instanceof SafetensorsError && e.message.includes(file), what);
    }
  }));
});
