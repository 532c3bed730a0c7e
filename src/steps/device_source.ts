// Batches on the model's device: a training or evaluation source whose x and
// y are moved there as they are produced (the dataset stays in host memory;
// each batch crosses once). On the CPU the source is returned as is.
import type { LoaderSource } from './prepare.js';

export function onDevice(source: LoaderSource, device: string | undefined): LoaderSource {
  if (!device || device === 'cpu') return source;
  return {
    get size() {
      return source.size;
    },
    get length() {
      return source.length;
    },
    async *batches(epoch: number) {
      for await (const b of source.batches(epoch) as AsyncIterable<{ x: import('../tensor/index.js').Tensor; y: import('../tensor/index.js').Tensor }>) {
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
