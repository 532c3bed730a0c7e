// The inference thread of OnnxEngine: one ONNX Runtime session over the
// network's graph, fed already-encoded inputs. It loads onnxruntime-node only,
// never sixstep's libtorch addon (whose state is not yet per thread), so it is
// safe as a worker_thread. Messages: {id, type, data, dims} → {id, y, dims} or {id, error}.
// Messages are handled one at a time, in order: a close asked for during a run
// waits for it (releasing the session under a run, or ending the thread with
// one in flight, aborts the process inside onnxruntime-node).
import { parentPort, workerData } from 'node:worker_threads';
import ort from 'onnxruntime-node';
import { sessionOptions } from './onnx_session.js';

interface Job {
  id: number;
  type: 'float32' | 'int64';
  data: Float32Array | BigInt64Array;
  dims: number[];
}

const { onnx, threads, input } = workerData as { onnx: Uint8Array; threads: number; input: string };
// One intra-op thread by default: small models gain nothing from more, and
// the other core stays with Node's event loop; sequential execution, no spinning.
const session = await ort.InferenceSession.create(onnx, sessionOptions(threads));
parentPort!.postMessage({ ready: true });

async function handle(job: Job | { close: true }): Promise<void> {
  if ('close' in job) {
    await session.release();
    parentPort!.close();
    return;
  }
  try {
    const out = await session.run({ [input]: new ort.Tensor(job.type, job.data, job.dims) });
    const y = out.y.data as Float32Array;
    const copy = y.slice();
    parentPort!.postMessage({ id: job.id, y: copy, dims: out.y.dims }, [copy.buffer]);
  } catch (e) {
    parentPort!.postMessage({ id: job.id, error: (e as Error).message });
  }
}

let turn: Promise<void> = Promise.resolve();
parentPort!.on('message', (m: Job | { close: true }) => {
  turn = turn.then(() => handle(m));
});
