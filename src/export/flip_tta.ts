// Flip test-time augmentation in the graph, as models/flip_averaged.ts runs it:
// each image and its mirror go through the network in one batch of 2B (eval
// mode: batch norm reads its running statistics, so the halves do not mix),
// their probabilities are averaged, and the mean is returned on the
// network's own scale (log-probabilities; binary: the logit) so the usual
// softmax/sigmoid outputs read it unchanged.
import type { GraphBuilder } from './graph.js';

/** `emit` builds the network on an NCHW input; `width` is its output width; returns its flip-averaged output. */
export function emitFlipAveraged(g: GraphBuilder, x: string, emit: (input: string) => string, output: 'multiclass' | 'binary', width: number): string {
  const mirrored = g.node('Slice', [x, g.ints('starts', [-1]), g.ints('ends', [Number.MIN_SAFE_INTEGER]), g.ints('axes', [3]), g.ints('steps', [-1])]);
  const y = emit(g.node('Concat', [x, mirrored], { axis: 0 }));
  // [2B, K] → [2, B, K]: the first half is the originals, the second their mirrors.
  const halves = g.node('Reshape', [y, g.ints('halves', [2, -1, width])]);
  if (output === 'multiclass') {
    const p = g.node('ReduceMean', [g.node('Softmax', [halves], { axis: 2 })], { axes: [0], keepdims: 0 });
    return g.node('Log', [g.node('Max', [p, g.floats('tiny', [1e-12], [])])]);
  }
  const p = g.node('ReduceMean', [g.node('Sigmoid', [halves])], { axes: [0], keepdims: 0 });
  const q = g.node('Min', [g.node('Max', [p, g.floats('low', [1e-7], [])]), g.floats('high', [1 - 1e-7], [])]);
  return g.node('Sub', [g.node('Log', [q]), g.node('Log', [g.node('Sub', [g.floats('one', [1], []), q])])]);
}
