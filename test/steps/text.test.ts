// The text path end to end: a free-text column becomes token ids, step 2
// proposes an encoder for it (short texts: a bag of words and word pairs;
// long ones: embedding + LSTM), and step 3 fits each.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/data/index.js';
import { prepare } from '../../src/data/prepare.js';
import { makePlan } from '../../src/steps/plan.js';
import { fitTrainingSet } from '../../src/steps/fit_training_set.js';
import { noLeaks } from '../helpers.js';

describe('a text column alone', () => {
  it('learns which words mark the class', () => noLeaks(async () => {
    const rng = new Rng(5);
    const common = ['the', 'a', 'meeting', 'report', 'today', 'please', 'see', 'attached', 'thanks', 'note'];
    const rows: string[] = [];
    for (let i = 0; i < 240; i++) {
      const spam = rng.next() < 0.5;
      const words = Array.from({ length: 6 + rng.int(6) }, () => common[rng.int(common.length)]);
      words.splice(rng.int(words.length), 0, spam ? ['winner', 'free', 'prize', 'cash'][rng.int(4)] : ['agenda', 'minutes', 'draft', 'review'][rng.int(4)]);
      rows.push(JSON.stringify({ message: words.join(' '), label: spam ? 'spam' : 'ham' }));
    }
    const dir = mkdtempSync(join(tmpdir(), 'sixstep-text-'));
    writeFileSync(join(dir, 'mail.ndjson'), rows.join('\n'));
    const p = await prepare({ data: join(dir, 'mail.ndjson'), target: 'label', projectDir: dir });
    assert.equal(p.kind, 'sequence');
    const plan = makePlan(p);
    assert.equal(plan.proposal.spec.family, 'tabular');
    assert.ok(plan.layers.some((l) => l.type === 'BagEncoder'), 'a few words per row: a bag');
    assert.match(plan.proposal.reason, /tokens per row on average/);
    for (const encoder of ['bag', 'lstm'] as const) {
      const spec = makePlan(p, { textEncoders: { message: encoder } }).proposal.spec;
      const r = await fitTrainingSet(p, { spec, cost: plan.cost, epochs: 6, optimizer: 'adam' });
      try {
        assert.ok(r.best!.metrics.accuracy >= 0.9, `${encoder}: validation accuracy ${r.best!.metrics.accuracy}`);
      } finally {
        r.dispose();
      }
    }
  }));
});
