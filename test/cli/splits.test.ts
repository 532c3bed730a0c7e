// The split options end to end: --split-by time and --group through plan and
// auto, --assignments, the plan's warnings in --json, and bad options answered
// with exit 2 or 3 and a message naming the option and the column.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../../src/data/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const cli = join(root, 'dist', 'src', 'cli', 'main.js');

function sixstep(args: string[], cwd: string, timeout = 180_000) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', timeout });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, json: () => JSON.parse(r.stdout) };
}

const day = (i: number) => new Date(Date.UTC(2019, 0, 1) + i * 86400000).toISOString().slice(0, 10);

/** 360 days in date order; the class follows x1 + x2, with some drift in the share of "b". */
function dailyCsv(): string {
  const rng = new Rng(1);
  const lines = ['date,x1,x2,station,y'];
  for (let i = 0; i < 360; i++) {
    const [a, b] = [rng.normal(), rng.normal()];
    lines.push(`${day(i)},${a.toFixed(4)},${b.toFixed(4)},s${i % 3},${a + b + 0.3 * rng.normal() > (i / 360 - 0.5) ? 'b' : 'a'}`);
  }
  return `${lines.join('\n')}\n`;
}

/** 60 patients with 4–7 visits each, shuffled; the outcome follows the visit's measurements. */
function visitsCsv(): string {
  const rng = new Rng(2);
  const lines: string[] = [];
  for (let p = 0; p < 60; p++) {
    const base = rng.normal();
    for (let v = 4 + rng.int(4); v > 0; v--) {
      const x = base + 0.5 * rng.normal();
      lines.push(`P${String(p).padStart(3, '0')},${x.toFixed(4)},${rng.normal().toFixed(4)},${x > 0 ? 'high' : 'low'}`);
    }
  }
  return `patient,x,z,y\n${(rng.shuffle(lines) as string[]).join('\n')}\n`;
}

describe('split options', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'sixstep-splits-'));
  writeFileSync(join(cwd, 'daily.csv'), dailyCsv());
  writeFileSync(join(cwd, 'visits.csv'), visitsCsv());

  it('plan --json names the time order with its figure and option; --assignments lists every row once', () => {
    const r = sixstep(['plan', '--data', 'daily.csv', '--target', 'y', '--project', 'random', '--assignments', 'random.csv', '--json'], cwd);
    assert.equal(r.code, 0, r.stderr);
    const j = r.json();
    const w = j.warnings.find((x: any) => x.kind === 'time-order');
    assert.ok(w, JSON.stringify(j.warnings));
    assert.equal(w.column, 'date');
    assert.equal(w.value, 1);
    assert.equal(w.option, '--split-by time:date');
    assert.deepEqual(j.splits.by, { kind: 'random' });
    const rows = readFileSync(join(cwd, 'random.csv'), 'utf8').trim().split('\n');
    assert.equal(rows[0], 'line,split,reason,row');
    const body = rows.slice(1).map((l) => l.split(','));
    assert.deepEqual(body.map((c) => Number(c[0])), Array.from({ length: 360 }, (_, i) => i + 2), 'every line once (header = line 1)');
    const count = (s: string) => body.filter((c) => c[1] === s).length;
    assert.deepEqual([count('train'), count('validation'), count('test')], [j.splits.train, j.splits.validation, j.splits.test]);
  });

  it('--split-by time: the latest rows are test; reusing the project with a random split is refused naming both', () => {
    const r = sixstep(['plan', '--data', 'daily.csv', '--target', 'y', '--project', 'time', '--split-by', 'time:date', '--assignments', 'time.csv', '--json'], cwd);
    assert.equal(r.code, 0, r.stderr);
    const j = r.json();
    assert.deepEqual(j.splits.by, { kind: 'time', column: 'date' });
    assert.ok(!j.warnings.some((x: any) => x.kind === 'time-order'), 'no suggestion to do what is done');
    const body = readFileSync(join(cwd, 'time.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    const order = body.map((c) => c[1]).join(' ');
    assert.match(order, /^(train )+(validation )+(test ?)+$/, 'a date-ordered file splits into three runs of rows');
    const again = sixstep(['plan', '--data', 'daily.csv', '--target', 'y', '--project', 'time'], cwd);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /--split-by time:date → --split-by random/);
  });

  it('bad split options: exit 2 or 3 naming the option, the column and what it holds', () => {
    const cases: Array<[string[], number, RegExp]> = [
      [['--split-by', 'time:x1'], 2, /--split-by time:x1: a column of dates or times .* found a numeric column \(e\.g\. "0\.\d+"\)/],
      [['--split-by', 'time:dat'], 2, /a column named "dat".*did you mean "date"\?/],
      [['--group', 'stations'], 2, /--group: a column named "stations".*did you mean "station"\?/],
      [['--group', 'date'], 2, /--group date: a column whose values are shared by several rows .* found a different value in each of the 360 rows/],
      [['--group', 'y'], 2, /--group y: a column other than the target/],
      [['--split-by', 'sideways'], 2, /--split-by expects 'random' or 'time:<column>'/],
      [['--split-by', 'time:date', '--group', 'station'], 2, /two ways of splitting: choose one/],
    ];
    for (const [args, code, message] of cases) {
      const r = sixstep(['plan', '--data', 'daily.csv', '--target', 'y', '--project', 'bad', ...args], cwd);
      assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(' '));
    }
    writeFileSync(join(cwd, 'one.csv'), `g,x,y\n${Array.from({ length: 40 }, (_, i) => `same,${i},${i % 2}`).join('\n')}\n`);
    const one = sixstep(['plan', '--data', 'one.csv', '--target', 'y', '--project', 'bad', '--group', 'g'], cwd);
    assert.equal(one.code, 2, one.stderr);
    assert.match(one.stderr, /found a single value \("same"\) in every row/);
    writeFileSync(join(cwd, 'holes.csv'), `${dailyCsv().trim().split('\n').map((l, i) => (i === 5 ? l.replace(/^[^,]*/, '') : l)).join('\n')}\n`);
    const holes = sixstep(['plan', '--data', 'holes.csv', '--target', 'y', '--project', 'holes', '--split-by', 'time:date'], cwd);
    assert.equal(holes.code, 3, holes.stderr);
    assert.match(holes.stderr, /holes\.csv:6: expected a date or time in column "date" in every row .* found 1 rows without one \(lines 6\)/);
    const lenient = sixstep(['plan', '--data', 'holes.csv', '--target', 'y', '--project', 'holes', '--split-by', 'time:date', '--lenient', '--json'], cwd);
    assert.equal(lenient.code, 0, lenient.stderr);
    assert.ok(lenient.json().notes.some((n: string) => /1 rows without a time in "date" left out of every split \(--lenient; lines 6\)/.test(n)));
  });

  it('auto on a time split, end to end: step 5 on the latest rows, the split and warnings in the summary and the report', () => {
    const r = sixstep(['auto', '--data', 'daily.csv', '--target', 'y', '--project', 'auto-time', '--split-by', 'time:date', '--budget', '0.4', '--assignments', 'auto-time.csv', '--json'], cwd);
    assert.ok(r.code === 0 || r.code === 5, r.stderr);
    const j = r.json();
    assert.deepEqual(j.splits.by, { kind: 'time', column: 'date' });
    assert.equal(j.testEvaluations, 1);
    assert.ok(Number.isFinite(j.metrics.test.loss));
    assert.ok(readFileSync(join(cwd, 'auto-time.csv'), 'utf8').split('\n').length >= 361);
    const html = readFileSync(j.report, 'utf8');
    assert.match(html, /The data before training/);
    assert.match(html, /--split-by time:date/);
    assert.doesNotMatch(r.stderr, /error analysis skipped/, 'interpret follows the time split');
  });

  it('auto on a group split, end to end: no patient on two sides, the patient column no feature', () => {
    const plan = sixstep(['plan', '--data', 'visits.csv', '--target', 'y', '--project', 'auto-group', '--json'], cwd);
    const key = plan.json().warnings.find((x: any) => x.kind === 'key-column');
    assert.equal(key?.column, 'patient', JSON.stringify(plan.json().warnings));
    assert.equal(key?.option, '--group patient');
    const r = sixstep(['auto', '--data', 'visits.csv', '--target', 'y', '--project', 'auto-group2', '--group', 'patient', '--budget', '0.4', '--assignments', 'groups.csv', '--json'], cwd);
    assert.ok(r.code === 0 || r.code === 5, r.stderr);
    const j = r.json();
    assert.deepEqual(j.splits.by, { kind: 'group', column: 'patient' });
    assert.equal(j.testEvaluations, 1);
    const patients = readFileSync(join(cwd, 'visits.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[0]);
    const splitOf = new Map<string, string>();
    for (const line of readFileSync(join(cwd, 'groups.csv'), 'utf8').trim().split('\n').slice(1)) {
      const [l, split] = line.split(',');
      if (split === 'dropped') continue;
      const p = patients[Number(l) - 2];
      assert.ok(!splitOf.has(p) || splitOf.get(p) === split, `${p} in ${splitOf.get(p)} and ${split}`);
      splitOf.set(p, split);
    }
    const manifest = JSON.parse(readFileSync(join(j.model, 'manifest.json'), 'utf8'));
    assert.ok(!JSON.stringify(manifest.preprocessing.preprocessor.featureNames).includes('patient'), 'the group column is no feature');
  });
});
