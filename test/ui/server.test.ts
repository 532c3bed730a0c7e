// The dashboard server over HTTP: the page and its scripts (all served
// locally), the JSON API for every view, read-only answers, and the
// `sixstep ui` command that starts it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { startDashboard, type Dashboard } from '../../src/ui/index.js';
import { IDS, STUDY, makeProject } from './fixture.js';
import { cli } from './cli_helpers.js';

/** A GET with a chosen Host header, which fetch() will not send. */
function getWithHost(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request(url, { headers: { Host: host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    })
      .on('error', reject)
      .end();
  });
}

describe('dashboard server', () => {
  let project: string;
  let d: Dashboard;
  const get = async (path: string) => {
    const r = await fetch(new URL(path, d.url));
    return { status: r.status, headers: r.headers, text: await r.text() };
  };
  const api = async (path: string) => {
    const r = await get(path);
    assert.equal(r.headers.get('content-type'), 'application/json');
    return { status: r.status, body: JSON.parse(r.text) };
  };

  before(async () => {
    project = makeProject();
    d = await startDashboard({ projectDir: project, port: 0 });
  });
  after(() => d.close());

  it('listens on 127.0.0.1 by default, on a free port', () => {
    assert.equal(d.host, '127.0.0.1');
    assert.match(d.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  it('serves the page, its module and the Vega bundles from this server only', async () => {
    const page = await get('/');
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy')!, /default-src 'none'; script-src 'self'/);
    const scripts = [...page.text.matchAll(/<script[^>]*src="([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(scripts, ['/vendor/vega.min.js', '/vendor/vega-lite.min.js', '/vendor/vega-embed.min.js', '/js/client.js']);
    for (const s of [...scripts, '/js/format.js']) {
      const r = await get(s);
      assert.equal(r.status, 200, s);
      assert.match(r.headers.get('content-type')!, /^text\/javascript/);
    }
    assert.doesNotMatch(page.text, /https?:\/\/(?!vega\.github\.io)/);
    assert.equal((await get('/vendor/other.js')).status, 404);
    assert.equal((await get('/js/server.js')).status, 404, 'only the browser modules');
  });

  it('answers the runs list, a run with its charts, and a comparison', async () => {
    const runs = (await api('/api/runs')).body.runs;
    assert.deepEqual(runs.map((r: any) => r.id), [IDS.auto, IDS.fitB, IDS.fitA, IDS.lrFind]);
    const fit = (await api(`/api/runs/${IDS.fitA}`)).body;
    assert.deepEqual(fit.charts.map((c: any) => c.name), ['loss', 'steps', 'grad-norm']);
    assert.equal(fit.epochs.length, 3);
    const auto = (await api('/api/runs/dddddd')).body;
    assert.equal(auto.run.id, IDS.auto);
    assert.equal(auto.ladder.length, 4);
    const lr = (await api(`/api/runs/${IDS.lrFind}`)).body;
    assert.deepEqual(lr.charts.map((c: any) => c.name), ['lr-find']);
    const cmp = (await api(`/api/compare?ids=${IDS.fitA},${IDS.fitB}`)).body;
    assert.deepEqual(cmp.runs.map((r: any) => r.id), [IDS.fitA, IDS.fitB]);
    assert.ok(cmp.rows.find((r: any) => r.label === 'config.optimizer').differs);
    assert.equal(new Set(cmp.overlay.data.values.map((v: any) => v.run)).size, 2);
    assert.equal(cmp.charts.length, 2);
  });

  it('answers studies with their trials, the ledger and the project', async () => {
    const studies = (await api('/api/studies')).body.studies;
    assert.deepEqual(studies.map((s: any) => [s.name, s.trials]), [[STUDY, 4]]);
    const study = (await api(`/api/studies/${encodeURIComponent(STUDY)}`)).body;
    assert.equal(study.best.trialNumber, 3);
    assert.deepEqual(study.chart.hconcat.map((p: any) => p.title), ['hidden', 'learningRate']);
    assert.equal(study.chart.hconcat[1].encoding.x.scale.type, 'log');
    const ledger = (await api('/api/ledger')).body;
    // One look at the test set recorded two figures: one evaluation.
    assert.equal(ledger.evaluations, 1);
    assert.deepEqual(ledger.looks.map((l: any) => l.figures), [{ loss: 0.21, accuracy: 0.93 }]);
    assert.deepEqual(ledger.figures, ['loss', 'accuracy']);
    const p = (await api('/api/project')).body;
    assert.equal(p.runs, 4);
    assert.equal(p.dir, project);
  });

  it('is read-only, says what is missing, and refuses foreign Host headers', async () => {
    assert.equal((await fetch(new URL('/api/runs', d.url), { method: 'POST' })).status, 405);
    assert.equal((await fetch(new URL('/api/runs', d.url), { method: 'DELETE' })).status, 405);
    const missing = await api('/api/runs/nope');
    assert.equal(missing.status, 404);
    assert.match(missing.body.error, /no run "nope"/);
    assert.equal((await api('/api/compare?ids=aaaaaa')).status, 400);
    assert.equal((await api('/api/studies/none')).status, 404);
    assert.equal((await api('/api/what')).status, 404);
    assert.equal(await getWithHost(`${d.url}api/runs`, 'evil.example:80'), 403);
    assert.equal(await getWithHost(`${d.url}api/runs`, `localhost:${d.port}`), 200);
  });

  it('refuses a folder that is not a project instead of creating one', async () => {
    await assert.rejects(startDashboard({ projectDir: `${project}/missing` }), /no sixstep project at/);
  });

  it('`sixstep ui --port 0 --json` prints its URL, serves, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [cli, 'ui', '--project', project, '--port', '0', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let buf = '';
        child.stdout.on('data', (c) => {
          buf += c;
          if (buf.includes('\n')) resolve(buf.split('\n')[0]);
        });
        child.once('exit', (code) => reject(new Error(`ui exited early (${code})`)));
      });
      const { url } = JSON.parse(line);
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
      const r = await fetch(`${url}api/runs`);
      assert.equal(r.status, 200);
      assert.equal((await r.json()).runs.length, 4);
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
