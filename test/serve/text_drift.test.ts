// Drift of a text column: the reference bins the training texts' token counts
// and measures, on the validation rows, how often a text has a word the model
// never learned; served texts are split as the model's tokenizer splits them,
// so longer texts show as a PSI and new words as the unseen share.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DriftMonitor, buildReferenceProfile } from '../../src/serve/index.js';
import { Preprocessor, inferSchema, tableFromRows, Rng, type Row } from '../../src/data/index.js';

const KNOWN = ['fast', 'quiet', 'cheap', 'sturdy', 'light', 'warm', 'red', 'blue'];

function rows(n: number, seed: number, o: { words?: string[]; length?: [number, number] } = {}): Row[] {
  const rng = new Rng(seed);
  const words = o.words ?? KNOWN;
  const [lo, hi] = o.length ?? [2, 6];
  return Array.from({ length: n }, (_, i) => ({ note: i % 25 === 0 ? null : Array.from({ length: lo + rng.int(hi - lo + 1) }, () => words[rng.int(words.length)]).join(' '), y: rng.next() < 0.5 ? 'a' : 'b' }));
}

test('text drift: token-count PSI and the share of texts with words the model never learned', () => {
  const train = tableFromRows(rows(400, 1), 'train.json');
  const validation = tableFromRows([...rows(95, 2), ...rows(5, 3, { words: ['unheard'] })], 'valid.json');
  const schema = inferSchema(train, { target: 'y', overrides: { note: 'text' } });
  const pre = Preprocessor.fit(train, schema).toJSON();
  const profile = buildReferenceProfile(train, schema, pre, 'model', undefined, validation);
  const ref = profile.features.note;
  assert.equal(ref.kind, 'text');
  if (ref.kind !== 'text') return;
  assert.ok(ref.edges && ref.edges.length >= 2, 'token counts in bins');
  // 4 of the 95 validation texts (5 rows missing) are the unheard word's.
  assert.ok(Math.abs(ref.unseen! - 4 / 95) < 1e-9, `unseen on validation: ${ref.unseen}`);

  const calm = new DriftMonitor(profile, { preprocessor: pre, missingTokens: pre.missingTokens });
  const same = rows(300, 4);
  calm.observe(same, []);
  const a = calm.report().features.note;
  assert.ok(a.psi !== null && a.psi < 0.1, `same distribution: PSI ${a.psi}`);
  assert.equal(a.unseen, 0);
  assert.equal(a.referenceUnseen, ref.unseen);

  const shifted = new DriftMonitor(profile, { preprocessor: pre, missingTokens: pre.missingTokens });
  shifted.observe(rows(300, 5, { words: [...KNOWN, 'brand-new', 'words'], length: [12, 20] }), []);
  const b = shifted.report();
  assert.ok(b.features.note.psi! >= 0.25, `longer texts: PSI ${b.features.note.psi}`);
  assert.ok(b.drifted.includes('note'));
  assert.ok(b.features.note.unseen! > 0.9, `new words: ${b.features.note.unseen}`);
});
