// The training loop's view of a DataLoader: batches of (x, y), the text
// column chosen as x for sequence models, and one dispose() for its tensors.
import type { Tensor } from '../tensor/index.js';
import type { DataLoader } from './loader.js';

/** A DataLoader seen as the training loop's BatchSource (structurally); dispose() frees its tensors. */
export interface LoaderSource {
  batches(epoch: number): Iterable<{ x: Tensor; y: Tensor }>;
  readonly length?: number;
  readonly size: number;
  dispose(): void;
}

export function asSource(loader: DataLoader, textColumn?: string): LoaderSource {
  return {
    size: loader.size,
    get length() {
      return loader.length;
    },
    *batches(epoch: number) {
      for (const b of loader.epoch(epoch)) {
        // The loop owns x and y; everything else of the data batch is released here.
        let x: Tensor = b.x;
        if (textColumn) {
          x = b.text[textColumn];
          b.x.dispose();
        }
        for (const [k, t] of Object.entries(b.text)) if (k !== textColumn) t.dispose();
        b.y2?.dispose();
        yield { x, y: b.y! };
      }
    },
    dispose: () => loader.dispose(),
  };
}
