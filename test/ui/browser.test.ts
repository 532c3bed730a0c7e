// The dashboard in a real browser: Debian's Chromium, driven by
// playwright-core, opens the dashboard of a project and checks that Vega drew
// a run's curves, that the compare view shows two runs side by side (reached
// by ticking two runs in the list), that the other views draw without errors,
// and that the page asked nothing of any other server.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
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

/** An auto run as a real one records it: eleven validation metrics per epoch, one epoch, a sealed test and a long configuration. */
const WIDE_RUN = 'auto-20250105-100000-ffffff';
function addWideRun(dir: string): void {
  const store = openStore(dir);
  try {
    const metrics = { accuracy: 0.704, macroF1: 0.65, f1: 0.7, auc: 0.93, logLoss: 0.9, precision: 0.7, recall: 0.69, balancedAccuracy: 0.66, averagePrecision: 0.71, top2: 0.85, top3: 0.9 };
    store.createRun({ id: WIDE_RUN, kind: 'auto', config: { data: 'debian_text.csv', budget: 2 }, startedAt: Date.UTC(2025, 0, 5, 10) });
    store.logSteps(WIDE_RUN, Array.from({ length: 40 }, (_, i) => ({ step: i + 1, epoch: 0, loss: 2 / (1 + i / 10), lrs: [0.01] })));
    store.logEpoch(WIDE_RUN, { epoch: 0, trainLoss: 1.01, validLoss: 0.98, metrics, seconds: 109 });
    store.addDecision({ runId: WIDE_RUN, step: 4, action: 'probe the starting point', reason: 'rungs are compared on short probes', numbers: { trainLoss: 0.4, validLoss: 0.55 } });
    store.addDecision({ runId: WIDE_RUN, step: 4, action: 'keep hidden layers [4, 17, 11]', reason: 'architecture search (random depth and width): validation loss 0.55 → 0.46', numbers: { tried: [{ label: 'hidden layers [9]', validLoss: 0.6, trainLoss: 0.5 }, { label: 'hidden layers [4, 17, 11]', validLoss: 0.46, trainLoss: 0.4 }, { label: 'hidden layers [24]', validLoss: 0.58, trainLoss: 0.45 }], before: 0.55 } });
    store.recordTestEvaluation({ modelId: WIDE_RUN, runId: WIDE_RUN, metricName: 'loss', value: 1.02, datasetFingerprint: 'beef', at: Date.UTC(2025, 0, 5, 10, 3) });
    for (const [k, v] of Object.entries(metrics)) store.recordTestEvaluation({ modelId: WIDE_RUN, runId: WIDE_RUN, metricName: k, value: v - 0.03, datasetFingerprint: 'beef', at: Date.UTC(2025, 0, 5, 10, 3) });
    store.finishRun(WIDE_RUN, { endedAt: Date.UTC(2025, 0, 5, 10, 4), summary: { chosenConfiguration: 'the basic recipe: SGD then Adam at 3.31e-3, 12 epochs of cosine warm restarts, hidden layers [4, 17, 11]', metrics: { test: { loss: 1.02, accuracy: 0.674, macroF1: 0.62 } } } });
  } finally {
    store.close();
  }
}

/** Screenshots for people to look at: test-artifacts/ui/ (or $SIXSTEP_TEST_ARTIFACTS/ui/). */
const SHOTS = join(process.env.SIXSTEP_TEST_ARTIFACTS ?? join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'test-artifacts'), 'ui');

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
    addWideRun(project);
    mkdirSync(SHOTS, { recursive: true });
    d = await startDashboard({ projectDir: project });
    profile = mkdtempSync(join(tmpdir(), 'sixstep-chromium-'));
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: ARGS, headless: true });
    page = await context.newPage();
    await page.setViewportSize({ width: 1400, height: 900 });
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

  async function shot(name: string): Promise<void> {
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  }

  /** Line or symbol marks Vega drew in the named chart(s), with non-empty geometry. */
  async function marks(selector: string): Promise<number> {
    return page.$$eval(`${selector} svg g.role-mark path[d]`, (ps: Element[]) => ps.filter((p) => (p.getAttribute('d') ?? '').length > 10).length);
  }

  it('the runs list fits a 1,400 px window and leads with the test figure; validation columns say so', async (t) => {
    if (!d) return t.skip(`Chromium is not installed at ${CHROMIUM} (Debian: apt-get install chromium)`);
    await open('#/');
    await shot('runs');
    const fit = await page.$eval('table.runs', (tb: Element) => ({ table: tb.getBoundingClientRect().right, window: window.innerWidth, scroll: document.documentElement.scrollWidth }));
    assert.ok(fit.table <= fit.window && fit.scroll <= fit.window, `the runs table overflows: ${JSON.stringify(fit)}`);
    const heights = await page.$$eval('table.runs tbody tr', (rs: Element[]) => rs.map((r) => r.getBoundingClientRect().height));
    assert.ok(Math.max(...heights) < 80, `a row is ${Math.max(...heights)} px tall`);
    const header = await page.$$eval('table.runs th', (th: Element[]) => th.map((x) => x.textContent));
    assert.deepEqual(header.slice(0, 5), ['', 'run', 'kind', 'time', 'epochs']);
    assert.deepEqual(header.slice(5), ['test accuracy', 'test loss', 'train loss', 'validation loss', 'best validation loss (epoch)', 'validation accuracy', 'note']);
    const wide = await page.$$eval(`table.runs tr:has(a[href="#/run/${WIDE_RUN}"]) td`, (td: Element[]) => td.map((x) => x.textContent));
    assert.deepEqual(wide.slice(5, 7), ['0.674', '1.02']);
    assert.equal(await page.getAttribute(`table.runs a[href="#/run/${WIDE_RUN}"]`, 'title'), 'started 2025-01-05 10:00:00Z');
    // The run page leads with the sealed-test figures.
    await open(`#/run/${WIDE_RUN}`);
    await shot('run-wide');
    assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 1400, 'the run page is wider than the window');
    assert.equal(await page.textContent('#test-headline'), 'sealed test: accuracy 0.674, loss 1.02, macroF1 0.62');
    // Each ladder probe under its own rung, the kept one marked.
    const ladder = await page.$$eval('table.ladder tbody tr', (rs: Element[]) => rs.map((r) => [...r.children].map((c) => c.textContent)));
    assert.deepEqual(ladder.map((r: string[]) => [r[0], r[1], r[4]]), [
      ['starting point', 'starting point', 'start'],
      ['architecture search (random depth and width)', 'hidden layers [9]', 'rejected'],
      ['architecture search (random depth and width)', 'hidden layers [4, 17, 11]', 'kept'],
      ['architecture search (random depth and width)', 'hidden layers [24]', 'rejected'],
    ]);
    // One epoch is no curve: the per-step chart, not two lone dots.
    assert.equal(await page.$('.chart[data-chart="loss"]'), null);
    assert.ok((await marks('.chart[data-chart="steps"]')) > 0);
    // The summary as fields, not a JSON dump.
    assert.match((await page.textContent('table.summary')) ?? '', /chosenConfiguration.*the basic recipe/);
    assert.equal(await page.$('main pre'), null);
  });

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
    await shot('run-auto');
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
    await shot('ledger');
    // One look, one evaluation: the loss and the metrics of a look share its row.
    assert.equal(await page.textContent('#ledger-title'), 'Test ledger (2 evaluations)');
    const looks = await page.$$eval('table.ledger tbody tr', (rs: Element[]) => rs.map((r) => r.textContent));
    assert.equal(looks.length, 2);
    assert.match(await page.textContent('#nav') ?? '', /Test ledger \(2 evaluations\)/);
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
