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
import { openStore } from '../../src/store/index.js';
import { thumbnail } from '../../src/interpret/index.js';

/** An image model's run: its top losses carry PNG thumbnails, as auto and interpret record them. */
const IMAGE_RUN = 'auto-20250104-100000-eeeeee';
async function addImageRun(dir: string): Promise<void> {
  const set = { images: Uint8Array.from({ length: 2 * 3 * 4 * 4 }, (_, i) => (i * 29) % 256), shape: [2, 3, 4, 4] as [number, number, number, number], labels: Int32Array.from([0, 1]), classes: ['circle', 'square'], sources: ['a.png', 'b.png'], report: { rows: 2, skipped: [] } };
  const store = openStore(dir);
  try {
    store.createRun({ id: IMAGE_RUN, kind: 'auto', config: { data: 'shapes/' }, startedAt: Date.UTC(2025, 0, 4, 10) });
    const topLosses = await Promise.all([1, 0].map(async (i) => ({ index: i, truth: set.classes[i], predicted: set.classes[1 - i], probability: 0.8, truthProbability: 0.2, loss: 1.61, thumbnail: await thumbnail(set, i) })));
    store.putSplitMetrics(IMAGE_RUN, { split: 'validation', rows: 2, metrics: { accuracy: 0 }, detail: { classes: set.classes, confusion: [[0, 1], [1, 0]], topLosses } });
    store.finishRun(IMAGE_RUN, { endedAt: Date.UTC(2025, 0, 4, 10, 1), summary: {} });
  } finally {
    store.close();
  }
}

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
    const project = makeProject();
    await addImageRun(project);
    d = await startDashboard({ projectDir: project });
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

  it("shows an image model's top losses as thumbnails", async (t) => {
    if (!d) return t.skip(`Chromium is not installed at ${CHROMIUM} (Debian: apt-get install chromium)`);
    await open(`#/run/${IMAGE_RUN}`);
    const header = await page.$$eval('table.top-losses th', (th: Element[]) => th.map((x) => x.textContent));
    assert.equal(header[0], 'image');
    // Decoded by the browser: each thumbnail has its 48-pixel width.
    await page.waitForFunction(() => [...document.querySelectorAll('table.top-losses img.thumbnail')].every((i) => (i as HTMLImageElement).complete));
    const widths = await page.$$eval('table.top-losses img.thumbnail', (imgs: Element[]) => imgs.map((i) => (i as HTMLImageElement).naturalWidth));
    assert.deepEqual(widths, [48, 48]);
    assert.deepEqual(problems, []);
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
