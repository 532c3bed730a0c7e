// The browser example: Debian's Chromium opens examples/onnx-web, which runs
// the exported model in onnxruntime-web (WebAssembly served by the example's
// own server) on rows encoded by sixstep's own onnxFeeds; its classes match
// sixstep's Predictor and its probabilities lie within 1e-5, the form
// classifies a typed row, and the page asked nothing of any other server.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startExampleServer, type ExampleServer } from '../../examples/onnx-web/server.js';
import { exportModelDir } from '../../src/export/index.js';
import { Predictor, type Prediction } from '../../src/serve/index.js';
import { PENGUINS, readRows, trainModel } from '../serve/helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

describe('ONNX model in the browser (onnxruntime-web)', () => {
  let server: ExampleServer | undefined;
  let context: any;
  let page: any;
  let profile = '';
  let project = '';
  let local: Prediction[] = [];
  const rows = readRows(PENGUINS).map(({ Species: _, ...r }) => r);
  const foreign: string[] = [];
  const problems: string[] = [];

  before(async () => {
    if (!existsSync(CHROMIUM)) return;
    const trained = trainModel(PENGUINS, 'Species');
    project = trained.project;
    const predictor = Predictor.load(trained.model);
    local = predictor.predict(rows);
    predictor.dispose();
    server = await startExampleServer(exportModelDir(trained.model));
    const { chromium } = await import('playwright-core');
    profile = mkdtempSync(join(tmpdir(), 'sixstep-chromium-'));
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: ARGS, headless: true });
    page = await context.newPage();
    page.on('request', (r: any) => {
      if (!r.url().startsWith(server!.url) && !r.url().startsWith('data:') && !r.url().startsWith('blob:')) foreign.push(r.url());
    });
    page.on('response', (r: any) => {
      if (r.status() >= 400) problems.push(`${r.status()} for ${r.url()}`);
    });
    page.on('pageerror', (e: Error) => problems.push(`page error: ${e.message}`));
    page.on('console', (m: any) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    await page.goto(server.url);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
  });

  after(async () => {
    await context?.close();
    await server?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    if (project) rmSync(dirname(project), { recursive: true, force: true });
  });

  it("classifies every penguin as sixstep does (same class, probabilities within 1e-5), gaps included", async (t) => {
    if (!server) return t.skip(`Chromium is not installed at ${CHROMIUM} (Debian: apt-get install chromium)`);
    const web: Array<{ label: string; probabilities: Record<string, number> }> = await page.evaluate((r: unknown[]) => (window as any).classify(r), rows);
    assert.equal(web.length, rows.length);
    let maxDiff = 0;
    web.forEach((w, i) => {
      assert.equal(w.label, local[i].label, `row ${i}`);
      for (const [c, p] of Object.entries(local[i].probabilities!)) maxDiff = Math.max(maxDiff, Math.abs(p - w.probabilities[c]));
    });
    assert.ok(maxDiff <= 1e-5, `max |diff| ${maxDiff}`);
  });

  it('the form classifies a typed row, nothing asked of another server, no errors', async (t) => {
    if (!server) return t.skip(`Chromium is not installed at ${CHROMIUM} (Debian: apt-get install chromium)`);
    const row = rows[0];
    for (const [k, v] of Object.entries(row)) await page.fill(`input[name="${k}"]`, v === null ? '' : String(v));
    await page.click('#classify');
    await page.waitForSelector('#result[data-label]');
    assert.equal(await page.getAttribute('#result', 'data-label'), local[0].label);
    assert.deepEqual(foreign, []);
    assert.deepEqual(problems, []);
  });
});
