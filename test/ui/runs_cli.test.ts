// `sixstep runs` end to end over a project written through the store: the
// list, one run, runs side by side as an aligned table, exports as CSV and
// JSON Lines, help with examples, and clear errors. A few calls go through
// the real binary; the rest through the quicker driver (see cli_helpers).
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IDS, makeProject } from './fixture.js';
import { quick, sixstep } from './cli_helpers.js';

describe('sixstep runs', () => {
  let project: string;
  let p: string[];
  before(() => {
    project = makeProject();
    p = ['--project', project];
  });

  it('list: every run newest first, with losses, metrics and notes; --json and filters', () => {
    const text = sixstep(['runs', 'list', ...p]);
    assert.equal(text.code, 0, text.stderr);
    const lines = text.stdout.trimEnd().split('\n');
    assert.match(lines[0], /^ID\s+KIND\s+STATUS\s+STARTED\s+TIME\s+EPOCHS\s+TRAIN\s+VALID\s+BEST VALID\s+ACCURACY\s+NOTE$/);
    assert.deepEqual(lines.slice(1).map((l) => l.split(/\s+/)[0]), [IDS.auto, IDS.fitB, IDS.fitA, IDS.lrFind]);
    assert.match(text.stdout, /suggested lr 0\.001/);
    const j = quick(['runs', 'list', ...p, '--kind', 'fit', '--json']).json();
    assert.deepEqual(j.runs.map((r: any) => r.id), [IDS.fitB, IDS.fitA]);
    assert.deepEqual(j.runs[1].best, { epoch: 3, validLoss: 1 / 3 + 0.05 });
  });

  it('show: one run by part of its id, with epochs and decisions', () => {
    const r = quick(['runs', 'show', 'aaaaaa', ...p]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^fit run ${IDS.fitA}`));
    assert.match(r.stdout, /best valid loss\s+0\.3833 \(epoch 3\)/);
    assert.match(r.stdout, /EPOCH\s+TRAIN\s+VALID\s+ACCURACY\s+SECONDS\n1\s+1\s+1\.05\s+0\.7\s+0\.5/);
    assert.match(r.stdout, /1\. step 3: keep SGD — the training loss falls/);
    const j = quick(['runs', 'show', IDS.auto, ...p, '--json']).json();
    assert.equal(j.run.id, IDS.auto);
    assert.equal(j.epochs.length, 4);
    assert.equal(j.decisions.length, 4);
    assert.deepEqual(j.ranks, []);
  });

  it('show: a data-parallel run lists each rank\'s throughput and communication share', () => {
    const r = quick(['runs', 'show', 'bbbbbb', ...p]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /data-parallel ranks \(2\)\nRANK\s+SAMPLES\s+SECONDS\s+SAMPLES\/S\s+COMM S\s+COMM %\n0\s+1500\s+3\.00\s+500\s+0\.30\s+10\.0\n1\s+1500\s+3\.75\s+400\s+0\.75\s+20\.0/);
    const j = quick(['runs', 'show', 'bbbbbb', ...p, '--json']).json();
    assert.equal(j.rankEpochs.length, 6);
    assert.deepEqual(j.ranks.map((x: any) => x.samplesPerSecond), [500, 400]);
  });

  it('compare: two runs side by side in aligned columns, differing rows marked', () => {
    const r = sixstep(['runs', 'compare', IDS.fitA, IDS.fitB, ...p]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    const header = lines[0];
    const colA = header.indexOf(IDS.fitA);
    const colB = header.indexOf(IDS.fitB);
    assert.ok(colA > 0 && colB > colA, header);
    const row = (label: string) => lines.find((l) => l.slice(2).startsWith(`${label} `))!;
    for (const [label, a, b, differs] of [
      ['config.optimizer', 'sgd', 'adam', true],
      ['config.lr', '0.1', '0.003', true],
      ['epochs', '3', '3', false],
      ['final valid loss', '0.3833', '0.3167', true],
    ] as const) {
      const l = row(label);
      assert.ok(l, `row ${label}`);
      assert.equal(l[0], differs ? '*' : ' ', l);
      assert.equal(l.slice(colA, colA + a.length), a, l);
      assert.equal(l.slice(colB, colB + b.length), b, l);
    }
    const diff = quick(['runs', 'compare', IDS.fitA, IDS.fitB, ...p, '--differences', '--json']).json();
    assert.ok(diff.rows.length > 0 && diff.rows.every((x: any) => x.differs));
    assert.deepEqual(diff.runs.map((x: any) => x.id), [IDS.fitA, IDS.fitB]);
    const three = quick(['runs', 'compare', IDS.fitA, IDS.fitB, IDS.auto, ...p, '--json']).json();
    assert.ok(three.rows.every((x: any) => x.values.length === 3));
  });

  it('export: CSV of steps and of epochs, and JSON Lines of the whole run', () => {
    const steps = quick(['runs', 'export', IDS.fitA, ...p, '--format', 'csv']);
    assert.equal(steps.code, 0, steps.stderr);
    const rows = steps.stdout.trimEnd().split('\n');
    assert.equal(rows[0], 'step,epoch,loss,grad_norm,lr_0');
    assert.equal(rows.length, 13);
    assert.deepEqual(rows[1].split(',').map(Number), [1, 0, 1, 2, 0.1]);
    const epochs = quick(['runs', 'export', IDS.fitA, ...p, '--format', 'csv', '--series', 'epochs']).stdout.trimEnd().split('\n');
    assert.equal(epochs[0], 'epoch,train_loss,valid_loss,seconds,accuracy');
    assert.equal(epochs.length, 4);
    assert.deepEqual(epochs[1].split(',').map(Number), [0, 1, 1.05, 0.5, 0.7]);
    const out = join(project, 'auto.jsonl');
    const jl = quick(['runs', 'export', 'dddddd', ...p, '--format', 'jsonl', '--out', out]);
    assert.equal(jl.code, 0, jl.stderr);
    assert.equal(jl.stdout, '');
    const records = readFileSync(out, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
    assert.equal(records[0].type, 'run');
    assert.equal(records[0].id, IDS.auto);
    const count = (t: string) => records.filter((x) => x.type === t).length;
    assert.deepEqual([count('step'), count('epoch'), count('decision')], [8, 4, 4]);
  });

  it('help with examples, and errors that say what to do', () => {
    for (const cmd of [['runs'], ['runs', 'compare']]) {
      const h = quick([...cmd, '--help']);
      assert.equal(h.code, 0);
      assert.match(h.stdout, /Examples:\n\s+sixstep runs/, cmd.join(' '));
    }
    const unknown = sixstep(['runs', 'show', 'nope', ...p]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no run "nope" in project .*sixstep runs list/);
    const ambiguous = quick(['runs', 'compare', 'fit-', IDS.auto, ...p]);
    assert.match(ambiguous.stderr, /"fit-" matches 2 runs/);
    const format = quick(['runs', 'export', IDS.fitA, ...p, '--format', 'xml']);
    assert.match(format.stderr, /--format must be csv or jsonl/);
    const missing = quick(['runs', 'list', '--project', join(project, 'nothing-here')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no sixstep project at .*nothing-here/);
  });
});
