// A small project written through the store API, with every kind of record the
// dashboard and `sixstep runs` show: two fit runs (one with gradient norms),
// an lr-find, an auto run with a regularization ladder and test-ledger
// entries, and a search study. Deterministic ids, so tests can name them.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '../../src/store/index.js';
import { ServeRecords } from '../../src/serve/records.js';
import { buildImageReference } from '../../src/serve/index.js';
import { ImageDriftMonitor } from '../../src/serve/image_drift.js';

export const IDS = { fitA: 'fit-20250101-100000-aaaaaa', fitB: 'fit-20250102-100000-bbbbbb', lrFind: 'lr-find-20250101-090000-cccccc', auto: 'auto-20250103-100000-dddddd' };
export const STUDY = 'tune-demo';
export const IMAGE_MODEL = '/models/image-colors';

/**
 * An image server's drift as the real monitor reports it: a reference from
 * 30 small training images (3 classes, 20×14 to 26×14) with the model's
 * validation predictions, then 8 served images: 4 of the training images, 4 wide and bright ones.
 */
function servedImageDrift(store: Store): void {
  const [N, C, H, W] = [30, 3, 4, 4];
  const images = Uint8Array.from({ length: N * C * H * W }, (_, k) => 60 + ((k * 7) % 50));
  const labels = Int32Array.from({ length: N }, (_, i) => i % 3);
  const originalSizes = Int32Array.from({ length: 2 * N }, (_, k) => (k % 2 ? 14 : 20 + ((k >> 1) % 7)));
  const set = { images, shape: [N, C, H, W] as [number, number, number, number], labels, classes: ['blue', 'green', 'red'], sources: [], originalSizes, report: { skipped: [] } as any };
  const ref = buildImageReference(set, { validationPredicted: [0, 0, 1, 2, 2, 2] });
  const monitor = new ImageDriftMonitor(ref, C);
  const served = Array.from({ length: 8 }, (_, i) => ({ pixels: i < 4 ? images.slice(i * C * H * W, (i + 1) * C * H * W) : new Uint8Array(C * H * W).fill(240), channels: C, width: i < 4 ? 22 : 90, height: 14 }));
  monitor.observe(served, ['blue', 'green', 'red', 'red', 'red', 'red', 'red', 'red']);
  const rec = new ServeRecords(store, { key: 'image-model-key', dir: IMAGE_MODEL, task: 'multiclass', metric: 'accuracy', testValue: 0.9 });
  rec.saveDrift(monitor.report());
  rec.close();
}

export function makeProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sixstep-ui-'));
  const store = openStore(dir);
  try {
    const t0 = Date.UTC(2025, 0, 1, 10);
    const fit = (id: string, startedAt: number, config: Record<string, unknown>, scale: number, gradNorms: boolean) => {
      store.createRun({ id, kind: 'fit', config, startedAt });
      store.logSteps(id, Array.from({ length: 12 }, (_, i) => ({ step: i + 1, epoch: Math.floor(i / 4), loss: scale / (i + 1), lrs: [0.1 * (1 - i / 12)], gradNorm: gradNorms ? 2 / (i + 1) : null })));
      for (let e = 0; e < 3; e++) store.logEpoch(id, { epoch: e, trainLoss: scale / (e + 1), validLoss: scale / (e + 1) + 0.05, metrics: { accuracy: 0.7 + 0.1 * e }, seconds: 0.5 });
      store.addDecision({ runId: id, step: 3, action: 'keep SGD', reason: 'the training loss falls' });
      store.finishRun(id, { endedAt: startedAt + 4200, summary: { optimizer: config.optimizer, learningRate: config.lr, metrics: { validation: { loss: scale / 3 + 0.05 } } } });
    };
    fit(IDS.fitA, t0, { optimizer: 'sgd', lr: 0.1, epochs: 3, seed: 0 }, 1, true);
    fit(IDS.fitB, t0 + 86_400_000, { optimizer: 'adam', lr: 0.003, epochs: 3, seed: 0 }, 0.8, false);
    // fitB ran data-parallel on 2 ranks: rank 1 slower, communicating more.
    for (let e = 0; e < 3; e++) store.putRankStats(IDS.fitB, e, [{ rank: 0, samples: 500, seconds: 1, commSeconds: 0.1 }, { rank: 1, samples: 500, seconds: 1.25, commSeconds: 0.25 }]);

    // As saveLrFind writes it (each probe a step, lrs[0] the rate tried), under a known id.
    store.createRun({ id: IDS.lrFind, kind: 'lr-find', config: { optimizer: 'sgd' }, startedAt: t0 - 3_600_000 });
    store.logSteps(IDS.lrFind, Array.from({ length: 30 }, (_, i) => ({ step: i, epoch: 0, loss: 1 + Math.sin(i / 6), lrs: [1e-6 * 10 ** (i / 5)] })));
    store.finishRun(IDS.lrFind, { endedAt: t0 - 3_590_000, summary: { suggestion: 1e-3, steep: 2e-3, valley: 1e-3, minimum: 1e-2, slide: 5e-4, points: 30 } });

    const auto = IDS.auto;
    store.createRun({ id: auto, kind: 'auto', config: { data: 'penguins.json', budget: 1 }, startedAt: t0 + 2 * 86_400_000 });
    store.logSteps(auto, Array.from({ length: 8 }, (_, i) => ({ step: i + 1, epoch: Math.floor(i / 2), loss: 1 / (i + 1), lrs: [0.01] })));
    for (let e = 0; e < 4; e++) store.logEpoch(auto, { epoch: e, trainLoss: 0.5 / (e + 1), validLoss: 0.6 / (e + 1), metrics: { accuracy: 0.8 + 0.05 * e }, seconds: 0.2 });
    store.addDecision({ runId: auto, step: 4, action: 'start the regularization ladder', reason: 'the model overfits', numbers: { trainLoss: 0.1, validLoss: 0.3, gap: 0.2 } });
    store.addDecision({ runId: auto, step: 4, action: 'probe the starting point', reason: 'rungs are compared on short probes', numbers: { trainLoss: 0.1, validLoss: 0.3, gap: 0.2 } });
    store.addDecision({ runId: auto, step: 4, action: 'keep weight decay 1e-4', reason: 'weight decay: validation loss 0.3 → 0.25', numbers: { tried: [{ label: 'weight decay 1e-4', validLoss: 0.25, trainLoss: 0.12 }, { label: 'weight decay 1e-3', validLoss: 0.28, trainLoss: 0.15 }], before: 0.3 } });
    store.addDecision({ runId: auto, step: 4, action: 'reject dropout', reason: 'dropout did not lower the validation loss', numbers: { tried: [{ label: 'dropout 0.2', validLoss: 0.27, trainLoss: 0.14 }], before: 0.25 } });
    store.recordTestEvaluation({ modelId: auto, runId: auto, metricName: 'loss', value: 0.21, datasetFingerprint: 'f00d', at: t0 + 2 * 86_400_000 + 5000 });
    store.recordTestEvaluation({ modelId: auto, runId: auto, metricName: 'accuracy', value: 0.93, datasetFingerprint: 'f00d', at: t0 + 2 * 86_400_000 + 5000 });
    // The error analysis auto records: metrics per split, the validation views.
    const classes = ['Adelie', 'Chinstrap', 'Gentoo'];
    store.putSplitMetrics(auto, { split: 'train', rows: 240, metrics: { accuracy: 0.98, macroF1: 0.97, auc: 0.999, logLoss: 0.05 } });
    store.putSplitMetrics(auto, {
      split: 'validation',
      rows: 52,
      metrics: { accuracy: 0.94, macroF1: 0.92, auc: 0.99, logLoss: 0.2 },
      detail: {
        classes,
        confusion: [[22, 1, 0], [2, 8, 0], [0, 0, 19]],
        perClass: classes.map((c, i) => ({ class: c, precision: 0.9 + 0.03 * i, recall: 0.85 + 0.05 * i, f1: 0.88 + 0.04 * i, support: [23, 10, 19][i] })),
        mostConfused: [{ truth: 'Chinstrap', predicted: 'Adelie', count: 2, shareOfTruth: 0.2 }, { truth: 'Adelie', predicted: 'Chinstrap', count: 1, shareOfTruth: 1 / 23 }],
        topLosses: [{ index: 7, line: 120, truth: 'Chinstrap', predicted: 'Adelie', probability: 0.91, truthProbability: 0.06, loss: 2.81, values: { Island: 'Dream', 'Beak Length (mm)': 46.1 } }],
        calibration: { of: 'top class', ece: 0.04, bins: [{ lower: 0.5, upper: 0.6, count: 3, meanPredicted: 0.55, observed: 0.33 }, { lower: 0.9, upper: 1, count: 49, meanPredicted: 0.97, observed: 0.96 }] },
        featureImportance: { baseLoss: 0.2, repeats: 5, features: [{ feature: 'Beak Length (mm)', mean: 1.2, std: 0.2, values: [] }, { feature: 'Island', mean: 0.3, std: 0.05, values: [] }, { feature: 'Sex', mean: 0.001, std: 0.002, values: [] }] },
      },
    });
    store.putSplitMetrics(auto, { split: 'test', rows: 52, metrics: { accuracy: 0.93, macroF1: 0.91, auc: 0.985, logLoss: 0.21 } });
    store.finishRun(auto, { endedAt: t0 + 2 * 86_400_000 + 6000, summary: { chosenConfiguration: 'weight decay 1e-4', metrics: { test: { loss: 0.21, accuracy: 0.93 } } } });

    for (const [i, p] of [{ hidden: 16, learningRate: 1e-4 }, { hidden: 64, learningRate: 3e-3 }, { hidden: 128, learningRate: 2e-2 }, { hidden: 32, learningRate: 1e-3 }].entries()) {
      const t = store.claimTrial(STUDY, { params: p, claimedBy: 'test' });
      store.finishTrial(STUDY, t.trialNumber, { state: i === 2 ? 'pruned' : 'complete', value: 0.5 - 0.1 * i });
    }
    servedImageDrift(store);
  } finally {
    store.close();
  }
  return dir;
}
