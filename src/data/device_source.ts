// Batches on the model's device: a training or evaluation source whose x and
// y are moved there as they are produced (the dataset stays in host memory;
// each batch crosses once). On the CPU the source is returned as is, and a
// batch already there (prepared data loads onto its device itself) is kept.
import type { Tensor } from '../tensor/index.js';
import type { LoaderSource } from './loader_source.js';

export function onDevice(source: LoaderSource, device: string | undefined): LoaderSource {
  if (!device || device === 'cpu') return source;
  return {
    get size() {
      return source.size;
    },
    get length() {
      return source.length;
    },
    *batches(epoch: number): Generator<{ x: Tensor; y: Tensor }> {
      for (const b of source.batches(epoch)) {
        if (b.x.device === device && b.y.device === device) {
          yield b;
          continue;
        }
        const x = b.x.to(device);
        const y = b.y.to(device);
        b.x.dispose();
        b.y.dispose();
        yield { x, y };
      }
    },
    dispose: () => source.dispose(),
  };
}
