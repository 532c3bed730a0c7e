// The library's openPlan takes the command line's column overrides: --ignore
// and --kind as PlanOptions' ignore and kinds, with the same checks, and the
// plan's network reads what they say.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPlan } from '../../src/pipeline/project.js';
import { UnknownColumnError } from '../../src/data/index.js';

function table(): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'sixstep-plan-overrides-'));
  const file = join(dir, 'rows.csv');
  const words = ['red lamp', 'blue chair', 'old box', 'new table', 'small red box', 'large blue lamp'];
  const lines = ['size,label,notes,y'];
  for (let i = 0; i < 90; i++) lines.push(`${i % 13},${words[i % words.length]},note ${i % 7},${i % 2 ? 'yes' : 'no'}`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return { dir, file };
}

describe('openPlan with column overrides', () => {
  it('ignore leaves a column out, kinds makes one text; an unknown column is refused naming the closest', async () => {
    const { dir, file } = table();
    try {
      const p = await openPlan({ data: file, target: 'y', project: join(dir, 'project'), ignore: ['notes'], kinds: { label: 'text' } });
      try {
        const pre = p.prepared.preprocessing;
        assert.ok(pre.kind !== 'image');
        assert.equal(pre.schema.columns.find((c) => c.name === 'notes')!.role, 'dropped');
        assert.equal(pre.schema.columns.find((c) => c.name === 'label')!.kind, 'text');
        const spec = p.proposal.spec;
        assert.ok(spec.family === 'tabular');
        assert.deepEqual(spec.options.texts?.map((t) => t.column), ['label']);
      } finally {
        p.store.close();
      }
      await assert.rejects(openPlan({ data: file, target: 'y', project: join(dir, 'project'), ignore: ['nots'] }), (e: unknown) => e instanceof UnknownColumnError && /did you mean "notes"/.test((e as Error).message));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
