// The training loop's view of a DataLoader: batches of (x, y), where x is the
// model's whole input row (features, then each text column's token ids:
// model_input.ts), and one dispose() for its tensors.
import type { Tensor } from '../tensor/index.js';
import type { DataLoader } from './loader.js';
import { packBatch, type InputLayout } from './model_input.js';

/** A DataLoader seen as the training loop's BatchSource (structurally); dispose() frees its tensors. */
export interface LoaderSource {
  batches(epoch: number): Iterable<{ x: Tensor; y: Tensor }>;
  readonly length?: number;
  readonly size: number;
  dispose(): void;
}

/** Batches of a table loader as input rows (`layout`: where its text columns go; without one, the features alone). */
export function asSource(loader: DataLoader, layout?: InputLayout): LoaderSource {
  return {
    size: loader.size,
    get length() {
      return loader.length;
    },
    *batches(epoch: number) {
      for (const b of loader.epoch(epoch)) {
        // The loop owns x and y; everything else of the data batch is released here.
        if (!layout && Object.keys(b.text).length) throw new Error('asSource: a batch with text columns needs the input layout that places them');
        const x = layout ? packBatch(b.x, b.text, layout) : b.x;
        if (x !== b.x) b.x.dispose();
        for (const t of Object.values(b.text)) t.dispose();
        b.y2?.dispose();
        yield { x, y: b.y! };
      }
    },
    dispose: () => loader.dispose(),
  };
}
