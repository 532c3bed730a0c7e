// The stage runner: the state is saved after every stage, so a run stopped
// between stages — interrupted, or killed in the middle of one — resumes at
// the stage it was in, with what the finished stages decided.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runStages, saveState, decisionLog, type RunState, type Stage } from '../../src/pipeline/runner.js';

type Phase = 'a' | 'b' | 'c' | 'done';
interface S extends RunState<Phase> {
  ran: string[];
}

function stages(o: { failIn?: Phase; stopIn?: Phase }): Stage<{ log: (d: any) => void }, S, Phase>[] {
  const next: Record<Phase, Phase> = { a: 'b', b: 'c', c: 'done', done: 'done' };
  return (['a', 'b', 'c'] as const).map((phase) => ({
    phase,
    async run(ctx, state) {
      if (o.failIn === phase) throw new Error(`killed in ${phase}`);
      state.ran.push(phase);
      ctx.log({ step: 3, action: `stage ${phase}`, reason: 'ran' });
      return { next: o.stopIn === phase ? phase : next[phase] };
    },
  }));
}

describe('the stage runner', () => {
  it('saves after every stage; a run killed in a stage resumes there, keeping what the earlier stages decided', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sixstep-runner-'));
    const file = join(dir, 'state.json');
    const load = (): S => (existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : { phase: 'a', decisions: [], ran: [] });
    const run = async (o: { failIn?: Phase; stopIn?: Phase }, stopped = () => false) => {
      const state = load();
      const log = decisionLog(state, { runId: 'r' });
      return runStages(stages(o), { log }, state, { save: (s) => saveState(file, s), stopped });
    };
    await assert.rejects(run({ failIn: 'b' }), /killed in b/);
    assert.deepEqual(load().ran, ['a']);
    assert.equal(load().phase, 'b', 'the state on disk is the one saved after stage a');
    // A stage that stops itself (an interruption inside it) stays the current phase.
    const stoppedInB = await run({ stopIn: 'b' });
    assert.equal(stoppedInB.phase, 'b');
    assert.deepEqual(load().ran, ['a', 'b']);
    // Asked to stop between stages: nothing more runs.
    const asked = await run({}, () => true);
    assert.deepEqual(asked.ran, ['a', 'b']);
    const done = await run({});
    assert.equal(done.phase, 'done');
    assert.deepEqual(done.ran, ['a', 'b', 'b', 'c']);
    assert.deepEqual(done.decisions.map((d) => d.action), ['stage a', 'stage b', 'stage b', 'stage c']);
  });

  it('keeps per-row losses out of the probes it saves, and the judged figures in', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sixstep-runner-rows-'));
    const file = join(dir, 'state.json');
    saveState(file, { phase: 'a', decisions: [], judged: { validLoss: 1, rowLosses: [1, 2] }, ladder: { probes: [{ validLoss: 1, rowLosses: [1, 2] }] } });
    const s = JSON.parse(readFileSync(file, 'utf8'));
    assert.deepEqual(s.judged.rowLosses, [1, 2]);
    assert.equal(s.ladder.probes[0].rowLosses, undefined);
  });
});
