// The sealed-test value of a model's metric, for comparing the real world
// with it: the manifest's metrics.test when the model was saved after step 5
// (auto), else the latest entry `sixstep test` wrote to the project's test
// ledger for this model directory.
import { resolve } from 'node:path';
import type { Store } from '../store/index.js';
import type { Predictor } from './predictor.js';
import { manifestTestValue } from './server.js';

/** `given` is the directory as the user typed it: the ledger keys models by that text. */
export function testValueOf(store: Store, predictor: Predictor, given?: string): number | null {
  const fromManifest = manifestTestValue(predictor);
  if (fromManifest !== null) return fromManifest;
  const ids = new Set([predictor.dir, ...(given ? [given, resolve(given)] : [])]);
  let best: { at: number; value: number } | null = null;
  for (const id of ids) {
    for (const e of store.ledger({ modelId: id })) {
      if (e.metricName === predictor.metric && e.value !== null && (!best || e.at >= best.at)) best = { at: e.at, value: e.value };
    }
  }
  return best?.value ?? null;
}
