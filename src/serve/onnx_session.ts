// The ONNX Runtime session options of the serving engine, on the main thread
// and on the worker alike (a file of its own: the worker must not import
// anything that loads libtorch). Sequential execution, no spinning threads:
// a served model's run is a few small ops, and a spinning pool would take the
// core the event loop needs.
import type ort from 'onnxruntime-node';

export function sessionOptions(threads: number): ort.InferenceSession.SessionOptions {
  return { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all', extra: { session: { intra_op: { allow_spinning: '0' } } } };
}
