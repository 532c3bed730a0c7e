// `sixstep report --run`: a run's charts rewritten as SVG and PNG from the
// store, their paths printed and recorded as the run's plot artifacts — for a
// real `sixstep fit` run and for the fixture's runs with gradient norms and a
// regularization ladder.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/store/index.js';
import { IDS, makeProject } from './fixture.js';
import { quick, root, sixstep } from './cli_helpers.js';

describe('sixstep report', () => {
  it('rewrites the charts of a fit run and prints their paths', () => {
    const project = mkdtempSync(join(tmpdir(), 'sixstep-report-'));
    const fit = sixstep(['fit', '--data', join(root, 'data', 'penguins.json'), '--target', 'Species', '--epochs', '2', '--project', project, '--json']);
    assert.equal(fit.code, 0, fit.stderr);
    const runId = fit.json().run as string;
    // fit wrote its charts once; gone, they can only come back from the store.
    rmSync(join(project, 'plots'), { recursive: true });
    const r = sixstep(['report', '--run', runId, '--project', project]);
    assert.equal(r.code, 0, r.stderr);
    const loss = join(project, 'plots', `loss-${runId}.svg`);
    const steps = join(project, 'plots', `steps-${runId}.svg`);
    assert.match(r.stdout, new RegExp(`Training and validation loss per epoch: ${loss.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(and .*\\.png\\)`));
    assert.ok(r.stdout.includes(steps));
    for (const f of [loss, steps]) {
      assert.match(readFileSync(f, 'utf8'), /^<svg[\s\S]*<path/);
      assert.ok(statSync(f.replace(/\.svg$/, '.png')).size > 1000);
    }
  });

  it('draws gradient norms and the regularization ladder, into --out, recorded as artifacts', () => {
    const project = makeProject();
    const out = join(project, 'figures');
    const a = quick(['report', '--run', 'aaaaaa', '--project', project, '--out', out, '--json']);
    assert.equal(a.code, 0, a.stderr);
    assert.deepEqual(a.json().charts.map((c: any) => c.name), ['loss', 'steps', 'grad-norm']);
    const auto = quick(['report', '--run', IDS.auto, '--project', project, '--out', out, '--json']).json();
    const ladder = auto.charts.find((c: any) => c.name === 'ladder');
    assert.ok(ladder && existsSync(ladder.svg) && existsSync(ladder.png));
    assert.match(readFileSync(ladder.svg, 'utf8'), /weight decay 1e-4/);
    const lr = quick(['report', '--run', IDS.lrFind, '--project', project, '--out', out, '--json']).json();
    assert.deepEqual(lr.charts.map((c: any) => [c.name, c.svg]), [['lr-find', join(out, `${IDS.lrFind}.svg`)]]);
    const store = openStore(project);
    try {
      const plots = store.artifactsOf(IDS.auto, 'plot').map((x) => x.path);
      assert.ok(plots.includes(ladder.svg) && plots.includes(ladder.png));
    } finally {
      store.close();
    }
    const help = quick(['report', '--help']);
    assert.match(help.stdout, /Examples:\n\s+sixstep report --run/);
  });
});
