// Every optimizer hyperparameter is checked where it is set (constructor,
// setLr, setGroup) with PyTorch's rules plus NaN and infinities, in
// TypeScript and again in the addon; refusals name the option, the expected
// range and the value found, and leave the optimizer as it was.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { zeros, tidy, ArgumentError } from '../../src/tensor/index.js';
import { native } from '../../src/tensor/native.js';
import { SGD, Adam, AdamW } from '../../src/optim/index.js';
import { noLeaks } from '../helpers.js';

const bad: Array<[string, Record<string, unknown>, RegExp]> = [
  ['lr NaN', { lr: Number.NaN }, /'lr' must be a finite number >= 0, got NaN/],
  ['lr negative', { lr: -0.1 }, /'lr'.*got -0.1/],
  ['lr Infinity', { lr: Number.POSITIVE_INFINITY }, /'lr'.*got Infinity/],
  ['weight decay negative', { weightDecay: -1 }, /'weightDecay'.*got -1/],
  ['weight decay NaN', { weightDecay: Number.NaN }, /'weightDecay'.*got NaN/],
];
const badAdam: Array<[string, Record<string, unknown>, RegExp]> = [
  ['beta1 NaN', { betas: [Number.NaN, 0.999] }, /'betas\[0\]' must be in \[0, 1\), got NaN/],
  ['beta2 = 1', { betas: [0.9, 1] }, /'betas\[1\]'.*got 1/],
  ['beta1 negative', { betas: [-0.1, 0.9] }, /'betas\[0\]'.*got -0.1/],
  ['betas not a pair', { betas: [0.9] }, /'betas' must be a pair/],
  ['eps negative', { eps: -1e-8 }, /'eps'.*got -1e-8/],
  ['eps NaN', { eps: Number.NaN }, /'eps'.*got NaN/],
];
const badSgd: Array<[string, Record<string, unknown>, RegExp]> = [
  ['momentum negative', { momentum: -0.9 }, /'momentum'.*got -0.9/],
  ['momentum NaN', { momentum: Number.NaN }, /'momentum'.*got NaN/],
  ['dampening NaN', { dampening: Number.NaN }, /'dampening'.*got NaN/],
  ['nesterov without momentum', { nesterov: true }, /'nesterov' requires momentum > 0 and dampening 0, got momentum 0/],
  ['nesterov with dampening', { nesterov: true, momentum: 0.9, dampening: 0.1 }, /'nesterov'.*dampening 0.1/],
];

describe('optimizer hyperparameters', () => {
  for (const [name, o, re] of [...bad, ...badSgd]) {
    it(`SGD refuses ${name}`, () => noLeaks(() => tidy(() => {
      const p = zeros([3]).requiresGrad_();
      assert.throws(() => new SGD({ params: [p], lr: 0.1, ...o } as any), (e: unknown) => e instanceof ArgumentError && /^SGD: option/.test((e as Error).message) && re.test((e as Error).message));
    })));
  }
  for (const [name, o, re] of [...bad, ...badAdam]) {
    for (const [label, Make] of [['Adam', Adam], ['AdamW', AdamW]] as const) {
      it(`${label} refuses ${name}`, () => noLeaks(() => tidy(() => {
        const p = zeros([3]).requiresGrad_();
        assert.throws(() => new Make({ params: [p], ...o } as any), (e: unknown) => e instanceof ArgumentError && re.test((e as Error).message));
      })));
    }
  }

  it('names the parameter group', () => noLeaks(() => tidy(() => {
    const a = zeros([3]).requiresGrad_();
    const b = zeros([3]).requiresGrad_();
    assert.throws(() => new Adam({ params: [{ params: [a] }, { params: [b], lr: Number.NaN }] }), /Adam parameter group 1: option 'lr'/);
  })));

  it('accepts the edges of each range (lr 0, betas [0, 0], eps 0, nesterov with momentum)', () => noLeaks(() => tidy(() => {
    const p = zeros([3]).requiresGrad_();
    new Adam({ params: [p], lr: 0, betas: [0, 0], eps: 0, weightDecay: 0 }).dispose();
    new SGD({ params: [p], lr: 0.1, momentum: 0.9, nesterov: true }).dispose();
  })));

  it('setLr and setGroup refuse bad values and keep the old ones', () => noLeaks(() => tidy(() => {
    const p = zeros([3]).requiresGrad_();
    const opt = new Adam({ params: [p], lr: 0.01 });
    assert.throws(() => opt.setLr(0, Number.NaN), /'lr'.*got NaN/);
    assert.throws(() => opt.setLrs([0.1, 0.2]), /expected 1 learning rates/);
    assert.throws(() => opt.setGroup(0, { betas: [Number.NaN, 0.9] }), /'betas\[0\]'/);
    assert.equal(opt.getLr(), 0.01);
    assert.deepEqual(opt.getGroup(0).betas, [0.9, 0.999]);
    opt.dispose();
  })));

  it('the addon refuses the same values when called directly (NaN betas no longer poison the first step)', () => noLeaks(() => tidy(() => {
    const p = zeros([3]).requiresGrad_();
    assert.throws(() => native.optimCreate('adam', [{ params: [p._h], betas: [Number.NaN, 0.9] }]), (e: unknown) => e instanceof ArgumentError && /'betas\[0\]'.*NaN/.test((e as Error).message));
    assert.throws(() => native.optimCreate('sgd', [{ params: [p._h], lr: 0.1, nesterov: true }]), /'nesterov'/);
    const id = native.optimCreate('sgd', [{ params: [p._h], lr: 0.1 }]);
    assert.throws(() => native.optimSetLr(id, 0, Number.NaN), ArgumentError);
    assert.throws(() => native.optimSetGroup(id, 0, { momentum: Number.POSITIVE_INFINITY }), /'momentum'.*Infinity/);
    assert.throws(() => native.optimSetLr(1e300, 0, 0.1), ArgumentError);
    assert.equal(native.optimGetGroup(id, 0).lr, 0.1);
    native.optimDispose(id);
  })));
});
