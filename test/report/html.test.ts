// The autopilot's HTML report as a reader meets it: the sealed-test figures
// first (accuracy with the loss), the metrics per split as a table (no JSON
// blob), the schema with each column's kind, role and derived inputs (a
// date's parts), and a one-epoch run as figures rather than a two-dot chart.
// Looked at in Chromium when it is installed (a screenshot in test-artifacts/report/).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepare, type Prepared } from '../../src/data/index.js';
import { renderReport, type ReportInput } from '../../src/report/index.js';
import { schemaRows } from '../../src/report/schema.js';

const SHOTS = join(process.env.SIXSTEP_TEST_ARTIFACTS ?? join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'test-artifacts'), 'report');
const CHROMIUM = '/usr/bin/chromium';

/** A small table with a date, a category, a number, an identifier (dropped) and the class. */
function table(dir: string): string {
  const lines = ['day,island,mass,tag,species'];
  for (let i = 0; i < 120; i++) {
    const species = ['Adelie', 'Gentoo', 'Chinstrap'][i % 3];
    lines.push(`2021-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')},${['Biscoe', 'Dream', 'Torgersen'][(i * 7) % 3]},${3000 + ((i * 37) % 1500)},row-${i},${species}`);
  }
  const file = join(dir, 'birds.csv');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

describe('HTML report', () => {
  let dir = '';
  let prepared: Prepared;
  let html = '';

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sixstep-report-html-'));
    prepared = await prepare({ data: table(dir), target: 'species', projectDir: dir });
    const input: ReportInput = {
      title: 'sixstep auto — birds.csv',
      summary: { run: 'auto-1', status: 'finished', task: 'multiclass', validationLoss: 0.52, testLoss: 0.61, testEvaluations: 1, metrics: { validation: { loss: 0.52, accuracy: 0.8 }, test: { loss: 0.61, accuracy: 0.75 } } },
      decisions: [{ step: 1, action: 'cross-entropy', reason: 'three classes' }],
      epochs: [{ epoch: 0, trainLoss: 0.7, validLoss: 0.52 }],
      steps: Array.from({ length: 20 }, (_, i) => ({ step: i + 1, loss: 1.1 - i * 0.02, lrs: [0.01] })),
      probes: [],
      ledger: [{ at: Date.UTC(2025, 0, 1), modelId: 'auto-1', metricName: 'loss', value: 0.61 }],
      splitMetrics: { train: { accuracy: 0.9, macroF1: 0.88 }, validation: { accuracy: 0.8, macroF1: 0.79 }, test: { accuracy: 0.75, macroF1: 0.74 } },
      preprocessing: prepared.preprocessing,
    };
    html = await renderReport(input);
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('leads with the sealed-test accuracy, then the loss; the summary lists both', () => {
    assert.match(html, /<p class="headline">Sealed test: <strong>accuracy 0\.7500<\/strong>, loss 0\.6100, macroF1 0\.7400 \(test set evaluations of this data so far: 1\)\.<\/p>/);
    assert.ok(html.indexOf('class="headline"') < html.indexOf('<h2>Summary</h2>'));
    assert.match(html, /<table id="summary"><tr><th>test accuracy<\/th><td>0\.7500<\/td><\/tr><tr><th>test loss<\/th><td>0\.6100<\/td><\/tr><tr><th>test macroF1<\/th>/);
    assert.doesNotMatch(html, /<th>testLoss<\/th>/, 'the test loss once');
  });

  it('renders the metrics per split as a table, not a JSON blob', () => {
    assert.doesNotMatch(html, /<pre>/);
    assert.doesNotMatch(html, /"validation":\s*\{/);
    assert.match(html, /<table id="split-metrics"><tr><th>metric<\/th><th>train<\/th><th>validation<\/th><th>test<\/th><\/tr><tr><td>accuracy<\/td><td>0\.9000<\/td><td>0\.8000<\/td><td>0\.7500<\/td><\/tr>/);
  });

  it('shows the schema: kinds, roles and the inputs each column became (a date its parts)', () => {
    const rows = schemaRows(prepared.preprocessing)!;
    const by = Object.fromEntries(rows.map((r) => [r.column, r]));
    assert.equal(by.day.kind, 'datetime');
    assert.match(by.day.inputs, /^\d parts: .*month/);
    assert.equal(by.island.kind, 'categorical');
    assert.match(by.island.inputs, /^one-hot over 3 values, plus \d for unseen or missing$/);
    assert.equal(by.mass.inputs, '1 input');
    assert.equal(by.tag.role, 'dropped');
    assert.equal(by.tag.inputs, 'none');
    assert.equal(by.species.role, 'target');
    assert.match(html, /<h2>Schema<\/h2>/);
    assert.match(html, /<tr><td>day<\/td><td>datetime<\/td><td>feature<\/td>/);
  });

  it('a one-epoch run gets its figures, not a chart of two lone dots', () => {
    assert.match(html, /One epoch, so no curve to draw: training loss 0\.7000, validation loss 0\.5200\. The loss per step below shows how training went within it\./);
  });

  it('looks right in Chromium (screenshot in test-artifacts/report/)', async (t) => {
    if (!existsSync(CHROMIUM)) return t.skip(`Chromium is not installed at ${CHROMIUM} (Debian: apt-get install chromium)`);
    mkdirSync(SHOTS, { recursive: true });
    const file = join(dir, 'report.html');
    writeFileSync(file, html);
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'], headless: true });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      await page.goto(`file://${file}`);
      await page.screenshot({ path: join(SHOTS, 'report.png'), fullPage: true });
      assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 1400);
      assert.equal(await page.$$eval('#schema tr', (r: Element[]) => r.length), 6, 'a header and five columns');
    } finally {
      await browser.close();
    }
  });
});
