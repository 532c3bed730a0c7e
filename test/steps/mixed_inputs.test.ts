// Tables whose right answer is known: the signal only in a text column, only
// in numeric columns, or in both at once (the class is a word's presence
// crossed with a number's threshold, so neither path alone beats a coin). One
// network over every column reaches near the Bayes accuracy (1.0: the labels
// are noiseless) on each; leaving out either path fails the third.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/data/index.js';
import { prepare } from '../../src/data/prepare.js';
import { makePlan } from '../../src/steps/plan.js';
import { fitModel } from '../../src/steps/fit.js';
import { noLeaks } from '../helpers.js';

type Signal = 'text' | 'numbers' | 'both';
const WORDS = ['the', 'parcel', 'came', 'on', 'time', 'and', 'looks', 'good', 'box', 'blue'];

/** n rows of two numbers and a short note; `signal` says which of them decides the class. */
function table(signal: Signal, n: number, seed: number): string {
  const rng = new Rng(seed);
  const lines = ['x1,x2,note,y'];
  for (let i = 0; i < n; i++) {
    const x1 = rng.next() * 2 - 1;
    const x2 = rng.next() * 2 - 1;
    const marked = rng.next() < 0.5;
    const words = Array.from({ length: 3 + rng.int(4) }, () => WORDS[rng.int(WORDS.length)]);
    if (marked) words.splice(rng.int(words.length + 1), 0, 'fragile');
    const y = signal === 'text' ? marked : signal === 'numbers' ? x1 + x2 > 0 : marked !== x1 > 0;
    lines.push(`${x1.toFixed(4)},${x2.toFixed(4)},${words.join(' ')},${y ? 'yes' : 'no'}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Validation accuracy of the proposed network trained on the table (Adam, a fixed rate: the comparison is between inputs, not recipes). */
async function accuracy(signal: Signal, ignore?: string[]): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), `sixstep-mixed-${signal}-`));
  const file = join(dir, 'rows.csv');
  writeFileSync(file, table(signal, 700, signal.length));
  const p = await prepare({ data: file, target: 'y', projectDir: dir, ignore });
  const plan = makePlan(p);
  const fit = await fitModel(p, { spec: plan.proposal.spec, cost: plan.cost, optimizer: 'adam', lr: 1e-2, epochs: 25, seed: 1 });
  try {
    return fit.best!.metrics.accuracy;
  } finally {
    fit.dispose();
  }
}

describe('mixed inputs: every path reaches the head', () => {
  it('the signal only in the text: near Bayes (1.0)', () => noLeaks(async () => {
    const a = await accuracy('text');
    assert.ok(a >= 0.95, `validation accuracy ${a}`);
  }));

  it('the signal only in the numbers: near Bayes (1.0)', () => noLeaks(async () => {
    const a = await accuracy('numbers');
    assert.ok(a >= 0.93, `validation accuracy ${a}`);
  }));

  it('a word crossed with a threshold needs both paths: near Bayes with both, a coin without either', () => noLeaks(async () => {
    const both = await accuracy('both');
    assert.ok(both >= 0.9, `both paths: validation accuracy ${both}`);
    const noText = await accuracy('both', ['note']);
    const noNumber = await accuracy('both', ['x1']);
    assert.ok(noText <= 0.65, `without the text: ${noText}`);
    assert.ok(noNumber <= 0.65, `without x1: ${noNumber}`);
  }));

  it('regression and multilabel targets read every path too', () => noLeaks(async () => {
    const rng = new Rng(11);
    const reg = ['x1,note,y'];
    const multi = ['x1,note,fragile,large'];
    for (let i = 0; i < 600; i++) {
      const x1 = rng.next() * 2 - 1;
      const marked = rng.next() < 0.5;
      const words = Array.from({ length: 3 + rng.int(4) }, () => WORDS[rng.int(WORDS.length)]);
      if (marked) words.splice(rng.int(words.length + 1), 0, 'fragile');
      reg.push(`${x1.toFixed(4)},${words.join(' ')},${(2 * Number(marked) + x1 + 0.1 * (rng.next() - 0.5)).toFixed(4)}`);
      multi.push(`${x1.toFixed(4)},${words.join(' ')},${Number(marked)},${Number(x1 > 0)}`);
    }
    const dir = mkdtempSync(join(tmpdir(), 'sixstep-mixed-targets-'));
    writeFileSync(join(dir, 'reg.csv'), `${reg.join('\n')}\n`);
    writeFileSync(join(dir, 'multi.csv'), `${multi.join('\n')}\n`);
    const r = await prepare({ data: join(dir, 'reg.csv'), target: 'y', projectDir: dir });
    assert.equal(r.task, 'regression');
    const planR = makePlan(r);
    const fitR = await fitModel(r, { spec: planR.proposal.spec, cost: planR.cost, optimizer: 'adam', lr: 1e-2, epochs: 25, seed: 1 });
    try {
      // The targets' sd is about 1.15; noise alone leaves 0.03.
      assert.ok(fitR.best!.metrics.rmse < 0.25, `rmse ${fitR.best!.metrics.rmse} (baseline ${planR.baseline.metrics.rmse})`);
    } finally {
      fitR.dispose();
    }
    const m = await prepare({ data: join(dir, 'multi.csv'), target: ['fragile', 'large'], projectDir: dir });
    assert.equal(m.task, 'multilabel');
    const planM = makePlan(m);
    const fitM = await fitModel(m, { spec: planM.proposal.spec, cost: planM.cost, optimizer: 'adam', lr: 1e-2, epochs: 25, seed: 1 });
    try {
      // One label is the word's, the other the number's.
      assert.ok(fitM.best!.metrics['accuracy[fragile]'] >= 0.95 && fitM.best!.metrics['accuracy[large]'] >= 0.88, JSON.stringify(fitM.best!.metrics));
    } finally {
      fitM.dispose();
    }
  }));
});
