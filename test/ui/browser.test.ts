// The dashboard in a real browser: Debian's Chromium, driven by
// playwright-core, opens the dashboard of a project and checks that Vega drew
// a run's curves, that the compare view shows two runs side by side (reached
// by ticking two runs in the list), that the other views draw without errors,
// and that the page asked nothing of any other server.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDashboard, type Dashboard } from '../../src/ui/index.js';
import { IDS, STUDY, IMAGE_MODEL, makeProject } from './fixture.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

describe('dashboard in Chromium', () => {
  let d: Dashboard | undefined;
  let context: any;
  let page: any;
  let profile = '';
  const foreign: string[] = [];
  const problems: string[] = [];

  before(async () => {
    if (!existsSync(CHROMIUM)) return;
    const { chromium } = await import('playwright-core');
    d = await startDashboard({ projectDir: makeProject() });
    profile = mkdtempSync(join(tmpdir(), 'sixstep-chromium-'));
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: ARGS, headless: true });
    page = await context.newPage();
    page.on('request', (r: any) => {
      if (!r.url().startsWith(d!.url)) foreign.push(r.url());
    });
    page.on('pageerror', (e: Error) => problems.push(`page error: ${e.message}`));
    page.on('console', (m: any) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
  });

  after(async () => {
    await context?.close();
    await d?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  /** Opens a view and waits until its data arrived and its charts are drawn (or failed). */
  async function open(hash: string): Promise<void> {
    await page.goto(`${d!.url}${hash}`);
    await page.waitForSelector('#main[data-ready="true"]', { timeout: 20_000 });
    const errors = await page.$$eval('.error, .chart[data-error]', (els: Element[]) => els.map((e) => e.textContent));
    assert.deepEqual(errors, [], `errors in ${hash}`);
  }

  /** Line or symbol marks Vega drew in the named chart(s), with non-empty geometry. */
  async function marks(selector: string): Promise<number> {
    return page.$$eval(`${selector} svg g.role-mark path[d]`, (ps: Element[]) => ps.filter((p) => (p.getAttribute('d') ?? '').length > 10).length);
  }

  it("shows a run's curves drawn by Vega", async (t) => {
    if (!d) return t.skip(`Chromium is not installed at ${CHROMIUM} (Debian: apt-get install chromium)`);
    await open(`#/run/${IDS.fitA}`);
    assert.equal(await page.textContent('#run-title'), `fit run ${IDS.fitA}`);
    for (const name of ['loss', 'steps', 'grad-norm']) {
      assert.equal(await page.getAttribute(`.chart[data-chart="${name}"]`, 'data-rendered'), 'true', name);
      assert.ok((await marks(`.chart[data-chart="${name}"]`)) > 0, `${name}: no marks drawn`);
    }
    // The learning rate under the loss: the step chart has both panels.
    const titles = await page.$$eval('.chart[data-chart="steps"] svg text', (ts: Element[]) => ts.map((x) => x.textContent));
    assert.ok(titles.includes('Training loss per step') && titles.includes('Learning rate (schedule)'), titles.join('|'));
  });

  it("shows a data-parallel run's per-rank throughput and communication share", async (t) => {
    if (!d) return t.skip(`Chromium is not installed at ${CHROMIUM} (Debian: apt-get install chromium)`);
    await open(`#/run/${IDS.fitB}`);
    assert.equal(await page.textContent('#ranks-title'), 'Data-parallel ranks (2)');
    assert.equal(await page.getAttribute('.chart[data-chart="ranks"]', 'data-rendered'), 'true');
    assert.ok((await marks('.chart[data-chart="ranks"]')) > 0, 'ranks: no marks drawn');
    const text = (await page.textContent('main')) ?? '';
    assert.match(text, /20\.0/);
  });

  it('compares two runs side by side, chosen in the runs list', async (t) => {
    if (!d) return t.skip(`Chromium is not installed at ${CHROMIUM} (Debian: apt-get install chromium)`);
    await open('#/');
    await page.check(`input[data-run="${IDS.fitA}"]`);
    await page.check(`input[data-run="${IDS.fitB}"]`);
    await page.click('#compare-selected');
    await page.waitForFunction(() => location.hash.startsWith('#/compare/') && document.getElementById('main')!.dataset.ready === 'true', null, { timeout: 20_000 });
    assert.equal(await page.textContent('#compare-title'), 'Comparing 2 runs');
    const columns = await page.$$eval('section.compare-run', (s: Element[]) => s.map((x) => x.getAttribute('data-run')));
    assert.deepEqual(columns.sort(), [IDS.fitA, IDS.fitB].sort());
    for (const id of [IDS.fitA, IDS.fitB]) assert.ok((await marks(`section.compare-run[data-run="${id}"] .chart[data-chart="loss"]`)) > 0, id);
    assert.ok((await marks('.chart[data-chart="compare"]')) >= 2);
    const legend = await page.$$eval('.chart[data-chart="compare"] svg text', (ts: Element[]) => ts.map((x) => x.textContent));
    assert.ok(legend.includes(IDS.fitA) && legend.includes(IDS.fitB));
    const differs = await page.$$eval('tr.differs td:first-child', (tds: Element[]) => tds.map((x) => x.textContent));
    assert.ok(differs.includes('config.optimizer'));
  });

  it('draws the lr finder, the ladder and the trials, and lists the ledger', async (t) => {
    if (!d) return t.skip(`Chromium is not installed at ${CHROMIUM} (Debian: apt-get install chromium)`);
    await open(`#/run/${IDS.lrFind}`);
    assert.ok((await marks('.chart[data-chart="lr-find"]')) > 0);
    await open(`#/run/${IDS.auto}`);
    assert.ok((await marks('.chart[data-chart="ladder"]')) >= 4, 'a bar per probe');
    // Error analysis: metrics per split, per class, most confused, top losses and their charts.
    assert.equal(await page.textContent('#error-analysis-title'), 'Error analysis');
    const header = await page.$$eval('table.split-metrics th', (th: Element[]) => th.map((x) => x.textContent));
    assert.deepEqual(header, ['metric', 'train (240 rows)', 'validation (52 rows)', 'test (52 rows)']);
    assert.match((await page.textContent('table.most-confused')) ?? '', /Chinstrap.*Adelie.*2/);
    assert.match((await page.textContent('table.top-losses')) ?? '', /Island: Dream/);
    assert.equal(await page.$$eval('table.per-class tbody tr', (r: Element[]) => r.length), 3);
    assert.ok((await marks('.chart[data-chart="confusion"]')) >= 9, 'a cell per class pair');
    assert.ok((await marks('.chart[data-chart="calibration"]')) > 0, 'reliability diagram');
    assert.ok((await marks('.chart[data-chart="importance"]')) >= 3, 'a bar per feature');
    await open(`#/study/${encodeURIComponent(STUDY)}`);
    assert.ok((await marks('.chart[data-chart="trials"]')) >= 8, 'a point per trial and parameter');
    await open('#/ledger');
    assert.equal(await page.textContent('#ledger-title'), 'Test ledger (2 evaluations)');
    // An image server's drift: channels, size and aspect distributions, predicted classes against the validation predictions.
    await open('#/drift');
    assert.match((await page.textContent('main')) ?? '', new RegExp(`${IMAGE_MODEL} — 8 rows served`));
    assert.deepEqual(await page.$$eval('table.image-channels tbody td:first-child', (tds: Element[]) => tds.map((x) => x.textContent)), ['red', 'green', 'blue']);
    assert.deepEqual(await page.$$eval('table.image-shape tbody td:first-child', (tds: Element[]) => tds.map((x) => x.textContent)), ['width', 'height', 'aspect']);
    assert.ok((await marks('.chart[data-chart="drift"]')) > 0, 'PSI bars');
    assert.equal(await page.getAttribute('.chart[data-chart="image-shape"]', 'data-rendered'), 'true');
    assert.ok((await marks('.chart[data-chart="image-shape"]')) >= 6, 'training and served bars for width, height and aspect');
    assert.match((await page.textContent('h4.image-predictions')) ?? '', /8 predictions, PSI [0-9.]+ against the validation predictions/);
    assert.ok((await marks('.chart[data-chart="image-predictions"]')) >= 6, 'reference and served bars for 3 classes');
    assert.deepEqual(foreign, [], 'requests to other servers');
    assert.deepEqual(problems, []);
  });
});
