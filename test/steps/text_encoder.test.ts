// Step 2 for text columns: the encoder rule on the text statistics (short →
// a bag, clear; longer → unclear, measured), the measured choice on tables
// whose answer is known (the share of words from one set: a mean of
// embeddings is that share, the cheaper bag is kept; which of two words comes
// first, far apart: only the LSTM can read it), and the plan's promise that
// every feature has an input path.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng, type TextInput } from '../../src/data/index.js';
import { prepare } from '../../src/data/prepare.js';
import { makePlan, requireEveryFeature } from '../../src/steps/plan.js';
import { textEncoderRule, textEncoderSpec, SHORT_TEXT_TOKENS } from '../../src/steps/text_encoder_rule.js';
import { chooseTextEncoders, planWithTextEncoders } from '../../src/steps/text_encoder_choice.js';
import { searchSpaceFor, specFor } from '../../src/steps/search_space.js';
import { withDropout } from '../../src/steps/regularize.js';
import type { Decision } from '../../src/steps/decisions.js';
import { noLeaks } from '../helpers.js';

const input = (meanTokens: number, repeatedBigrams = 500): TextInput => ({
  column: 'body',
  start: 3,
  length: 32,
  vocabulary: 900,
  stats: { rows: 1000, emptyRows: 0, meanTokens, medianTokens: meanTokens, p95Tokens: 2 * meanTokens, maxTokens: 3 * meanTokens, distinctTokens: 898, distinctBigrams: 4000, repeatedBigrams, cutRows: 0 },
});

describe('the text encoder rule', () => {
  it('a few words: a bag, settled by the numbers; more: the LSTM proposed, measured', () => {
    const short = textEncoderRule(input(SHORT_TEXT_TOKENS));
    assert.deepEqual([short.encoder, short.clear], ['bag', true]);
    assert.match(short.reason, /12\.0 tokens per row on average .*\(500 seen twice or more\)/);
    const long = textEncoderRule(input(SHORT_TEXT_TOKENS + 0.1));
    assert.deepEqual([long.encoder, long.clear], ['lstm', false]);
    assert.match(long.reason, /measured on validation/);
  });

  it('word pairs get as many buckets as pairs seen twice; too few: words alone', () => {
    const bag = textEncoderSpec(input(5), 'bag');
    assert.ok(bag.encoder === 'bag' && bag.buckets === 500 && bag.start === 3 && bag.length === 32);
    const few = textEncoderSpec(input(5, 10), 'bag');
    assert.ok(few.encoder === 'bag' && few.buckets === 0);
    assert.equal(textEncoderSpec(input(5), 'lstm').encoder, 'lstm');
  });
});

/**
 * 16-token texts. 'share': each word is from the warm set with probability
 * 0.7 (yes) or 0.3 (no). 'order': filler words with "alpha" and "omega" far
 * apart; yes when alpha comes first.
 */
function texts(rule: 'share' | 'order', n: number, seed: number): string {
  const rng = new Rng(seed);
  const filler = ['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight'];
  const [warm, cold] = [filler.slice(0, 4), filler.slice(4)];
  const lines = ['size,body,y'];
  for (let i = 0; i < n; i++) {
    const positive = rng.next() < 0.5;
    let words = Array.from({ length: 16 }, () => filler[rng.int(filler.length)]);
    if (rule === 'share') {
      words = words.map(() => (rng.next() < (positive ? 0.7 : 0.3) ? warm : cold)[rng.int(4)]);
    } else {
      // alpha and omega both appear, far apart; the class is which comes first.
      const a = rng.int(6);
      const b = 10 + rng.int(6);
      words[positive ? a : b] = 'alpha';
      words[positive ? b : a] = 'omega';
    }
    lines.push(`${rng.int(100)},${words.join(' ')},${positive ? 'yes' : 'no'}`);
  }
  return `${lines.join('\n')}\n`;
}

async function measure(rule: 'share' | 'order', seconds: number): Promise<{ chosen: string; decisions: Decision[] }> {
  const dir = mkdtempSync(join(tmpdir(), `sixstep-encoder-${rule}-`));
  writeFileSync(join(dir, 'rows.csv'), texts(rule, 500, rule.length));
  const p = await prepare({ data: join(dir, 'rows.csv'), target: 'y', projectDir: dir });
  const plan = makePlan(p);
  assert.deepEqual(plan.proposal.unclearText, ['body'], '16 tokens a row: unclear from the numbers');
  const decisions: Decision[] = [];
  const chosen = await chooseTextEncoders({ prepared: p, spec: plan.proposal.spec, columns: ['body'], cost: plan.cost, seconds, seed: 0, log: (d) => decisions.push(d) });
  const again = await planWithTextEncoders(plan, { chosen, measure: false, seconds: 0, log: () => undefined });
  assert.ok(again.plan.proposal.spec.family === 'tabular' && again.plan.proposal.spec.options.texts![0].encoder === chosen.body);
  return { chosen: chosen.body, decisions };
}

describe('the measured choice (logged like a rung)', () => {
  it('the share of warm words: the mean of embeddings reads it, the cheaper bag is kept; which word comes first: only the LSTM reads it', () => noLeaks(async () => {
    const share = await measure('share', 60);
    assert.equal(share.chosen, 'bag', JSON.stringify(share.decisions));
    // The LSTM needs several epochs to read the order: on a loaded machine 30 s is one.
    const order = await measure('order', 120);
    assert.equal(order.chosen, 'lstm', JSON.stringify(order.decisions));
    const d = order.decisions.find((x) => /text encoder for "body"/.test(x.action))!;
    assert.equal(d.step, 2);
    assert.match(d.reason, /the LSTM against the bag, one candidate: validation loss [\d.]+ % lower on the same \d+ rows, z [\d.]+/);
    assert.ok((d.numbers as any).bag.validLoss > (d.numbers as any).lstm.validLoss);
    assert.ok((d.numbers as any).z >= (d.numbers as any).zNeeded, 'the LSTM is kept only when the paired difference is beyond noise');
  }));
});

describe('every feature has an input path', () => {
  it('the plan refuses a network that would leave a feature out, and the searches keep the text encoders', () => noLeaks(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sixstep-encoder-plan-'));
    writeFileSync(join(dir, 'rows.csv'), texts('share', 120, 1));
    const p = await prepare({ data: join(dir, 'rows.csv'), target: 'y', projectDir: dir });
    const plan = makePlan(p, { hidden: [] });
    const spec = plan.proposal.spec;
    assert.ok(spec.family === 'tabular' && spec.options.hidden.length === 0 && spec.options.texts!.length === 1);
    if (spec.family !== 'tabular') return;
    assert.throws(() => requireEveryFeature(p, { family: 'tabular', options: { ...spec.options, texts: [] } }), /no input path for body/);
    // A linear base: the search space is around 64 units; trials and dropout keep the encoders.
    const space = searchSpaceFor(spec);
    assert.ok(space.hidden!.min >= 2 && space.hidden!.max === 512);
    const trial = specFor(spec, { hidden: 16, layers: 2, learningRate: 1e-3 });
    assert.ok(trial.family === 'tabular' && trial.options.hidden.join() === '16,16' && trial.options.texts!.length === 1);
    const dropped = withDropout(spec, 0.3, 0);
    assert.ok(dropped.family === 'tabular' && dropped.options.dropout!.join() === '0.3');
  }));
});
