// Shared test helpers: PyTorch reference fixtures and closeness checks.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { tensor, liveTensors, type Tensor, type DType } from '../src/tensor/index.js';

/** A tensor as the fixture generator writes it. */
export interface Ref {
  shape: number[];
  dtype: string;
  values: number[];
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function fixturePath(name: string): string {
  return join(root, 'test', 'fixtures', name);
}

let cached: any;
/** test/fixtures/torch-reference.json, written by test/fixtures/generate.py. */
export function reference(): any {
  cached ??= JSON.parse(readFileSync(fixturePath('torch-reference.json'), 'utf8'));
  return cached;
}

export function fromRef(r: Ref, options: { requiresGrad?: boolean } = {}): Tensor {
  const dtype = r.dtype as DType;
  return tensor(r.values, { shape: r.shape, dtype, requiresGrad: options.requiresGrad });
}

/** Elementwise |a − e| ≤ atol + rtol·|e|, with the worst offender in the message. */
export function assertClose(actual: Tensor | ArrayLike<number>, expected: Ref | ArrayLike<number>, o: { rtol?: number; atol?: number; what?: string } = {}): void {
  const isRef = !Array.isArray(expected) && !ArrayBuffer.isView(expected);
  const isTensor = !Array.isArray(actual) && !ArrayBuffer.isView(actual);
  const a = isTensor ? (actual as Tensor).toArray() : Array.from(actual as ArrayLike<number>);
  const e = isRef ? (expected as Ref).values : Array.from(expected as ArrayLike<number>);
  if (isTensor && isRef) {
    assert.deepEqual((actual as Tensor).shape, (expected as Ref).shape, `${o.what ?? 'tensor'}: shape`);
  }
  assert.equal(a.length, e.length, `${o.what ?? 'tensor'}: length`);
  const rtol = o.rtol ?? 1e-5;
  const atol = o.atol ?? 1e-6;
  let worst = -1;
  let worstErr = 0;
  for (let i = 0; i < a.length; i++) {
    const err = Math.abs(a[i] - e[i]) - (atol + rtol * Math.abs(e[i]));
    if (!(err <= 0) && (worst < 0 || err > worstErr || Number.isNaN(err))) {
      worst = i;
      worstErr = err;
    }
  }
  if (worst >= 0) assert.fail(`${o.what ?? 'tensor'}: element ${worst} is ${a[worst]}, PyTorch gives ${e[worst]}`);
}

/** Runs fn and asserts that every native tensor it made was released. */
export async function noLeaks(fn: () => void | Promise<void>): Promise<void> {
  const before = liveTensors();
  await fn();
  assert.equal(liveTensors(), before, 'live tensor count is back at its baseline');
}
