// Optimizer hyperparameters checked once, where the optimizer is made or a
// group changed, with PyTorch's rules (torch/optim/{sgd,adam,adamw}.py) plus
// NaN and infinities, which PyTorch lets through and which turn every
// parameter into NaN on the first step. The addon checks the same again.
import { ArgumentError } from '../tensor/index.js';
import type { NativeGroupOptions } from '../tensor/native.js';

function show(v: unknown): string {
  return typeof v === 'number' ? String(v) : JSON.stringify(v) ?? String(v);
}

/** Throws ArgumentError naming the option, what it must be and what it was. */
export function checkHyperparameters(where: string, o: NativeGroupOptions): void {
  const fail = (key: string, expected: string, found: unknown) => {
    throw new ArgumentError(`${where}: option '${key}' must be ${expected}, got ${show(found)}`);
  };
  const nonNegative = (key: 'lr' | 'weightDecay' | 'momentum' | 'eps') => {
    const v = o[key];
    if (v === undefined) return;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) fail(key, 'a finite number >= 0', v);
  };
  nonNegative('lr');
  nonNegative('weightDecay');
  nonNegative('momentum');
  nonNegative('eps');
  if (o.dampening !== undefined && (typeof o.dampening !== 'number' || !Number.isFinite(o.dampening))) fail('dampening', 'a finite number', o.dampening);
  if (o.betas !== undefined) {
    if (!Array.isArray(o.betas) || o.betas.length !== 2) fail('betas', 'a pair [beta1, beta2]', o.betas);
    o.betas.forEach((b, i) => {
      if (typeof b !== 'number' || !(b >= 0 && b < 1)) fail(`betas[${i}]`, 'in [0, 1)', b);
    });
  }
  for (const key of ['nesterov', 'amsgrad'] as const) {
    if (o[key] !== undefined && typeof o[key] !== 'boolean') fail(key, 'a boolean', o[key]);
  }
  if (o.nesterov && !((o.momentum ?? 0) > 0 && (o.dampening ?? 0) === 0)) {
    throw new ArgumentError(`${where}: option 'nesterov' requires momentum > 0 and dampening 0, got momentum ${show(o.momentum ?? 0)} and dampening ${show(o.dampening ?? 0)}`);
  }
}
