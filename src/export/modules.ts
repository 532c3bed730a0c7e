// sixstep modules as ONNX nodes, one translation per module class, in
// evaluation mode (dropout is the identity, batch norm reads its running
// statistics). A module without a translation is an error naming its class,
// never a silently different graph.
import type { Tensor } from '../tensor/index.js';
import { Module, Linear, Conv2d, BatchNorm1d, BatchNorm2d, BasicBlock, Bottleneck, Sequential, Dropout, ReLU, MaxPool2d, LSTM } from '../nn/index.js';
import { TabularNet, ResNet, InputAdapter, BagEncoder, LstmEncoder, BIGRAM_PRIME } from '../models/index.js';
import type { GraphBuilder } from './graph.js';

export class ExportError extends Error {
  override name = 'ExportError';
}

// Parameters and buffers are float32; data() copies them out of the native tensor.
const data = (t: Tensor): Float32Array => {
  if (t.dtype !== 'float32') throw new ExportError(`only float32 weights are exported, found ${t.dtype}`);
  return t.data() as Float32Array;
};
const pair = (v: number | [number, number]): [number, number] => (typeof v === 'number' ? [v, v] : v);

/** Emits the nodes of `m` applied to value `x`; returns the output value. */
export function emitModule(g: GraphBuilder, m: Module<any, any>, x: string): string {
  if (m instanceof TabularNet) return emitTabular(g, m, x);
  if (m instanceof ResNet) return emitResNet(g, m, x);
  if (m instanceof Linear) return emitLinear(g, m, x);
  if (m instanceof Conv2d) return emitConv(g, m, x);
  if (m instanceof BatchNorm1d || m instanceof BatchNorm2d) return emitBatchNorm(g, m, x);
  if (m instanceof BasicBlock) return emitBasicBlock(g, m, x);
  if (m instanceof Bottleneck) return emitBottleneck(g, m, x);
  if (m instanceof InputAdapter) return emitInputAdapter(g, m, x);
  if (m instanceof Sequential) return m.layers.reduce((h, l) => emitModule(g, l, h), x);
  if (m instanceof Dropout) return x;
  if (m instanceof ReLU) return g.node('Relu', [x]);
  if (m instanceof MaxPool2d) {
    const k = pair(m.o.kernelSize);
    const s = pair(m.o.stride ?? m.o.kernelSize);
    const p = pair(m.o.padding ?? 0);
    return g.node('MaxPool', [x], { kernel_shape: k, strides: s, pads: [p[0], p[1], p[0], p[1]] });
  }
  throw new ExportError(`no ONNX translation for the module ${m.constructor.name}`);
}

function emitLinear(g: GraphBuilder, m: Linear, x: string): string {
  const w = g.floats('weight', data(m.weight), [m.outFeatures, m.inFeatures]);
  const inputs = m.bias ? [x, w, g.floats('bias', data(m.bias), [m.outFeatures])] : [x, w];
  return g.node('Gemm', inputs, { transB: 1 });
}

function emitConv(g: GraphBuilder, m: Conv2d, x: string): string {
  const o = m.options;
  const [kh, kw] = pair(o.kernelSize);
  const [ph, pw] = pair(o.padding);
  const w = g.floats('conv_weight', data(m.weight), m.weight.shape);
  const inputs = m.bias ? [x, w, g.floats('conv_bias', data(m.bias), [o.outChannels])] : [x, w];
  return g.node('Conv', inputs, { kernel_shape: [kh, kw], strides: pair(o.stride), pads: [ph, pw, ph, pw], dilations: pair(o.dilation), group: o.groups });
}

function emitBatchNorm(g: GraphBuilder, m: BatchNorm1d | BatchNorm2d, x: string): string {
  if (!m.runningMean || !m.runningVar) throw new ExportError('batch norm without running statistics cannot be exported (it normalizes each batch by itself)');
  const c = m.runningMean.shape[0];
  const scale = m.weight ? data(m.weight) : new Float32Array(c).fill(1);
  const shift = m.bias ? data(m.bias) : new Float32Array(c);
  return g.node('BatchNormalization', [x, g.floats('bn_scale', scale, [c]), g.floats('bn_bias', shift, [c]), g.floats('bn_mean', data(m.runningMean), [c]), g.floats('bn_var', data(m.runningVar), [c])], { epsilon: { float: m.eps } });
}

function emitBasicBlock(g: GraphBuilder, b: BasicBlock, x: string): string {
  const identity = b.downsample ? emitModule(g, b.downsample, x) : x;
  let h = g.node('Relu', [emitBatchNorm(g, b.bn1, emitConv(g, b.conv1, x))]);
  h = emitBatchNorm(g, b.bn2, emitConv(g, b.conv2, h));
  return g.node('Relu', [g.node('Add', [h, identity])]);
}

/** ResNet-50's block: 1×1 reduce, 3×3 (the stride), 1×1 expand, as Bottleneck.forward. */
function emitBottleneck(g: GraphBuilder, b: Bottleneck, x: string): string {
  const identity = b.downsample ? emitModule(g, b.downsample, x) : x;
  let h = g.node('Relu', [emitBatchNorm(g, b.bn1, emitConv(g, b.conv1, x))]);
  h = g.node('Relu', [emitBatchNorm(g, b.bn2, emitConv(g, b.conv2, h))]);
  h = emitBatchNorm(g, b.bn3, emitConv(g, b.conv3, h));
  return g.node('Relu', [g.node('Add', [h, identity])]);
}

/**
 * A pretrained backbone's input adapter, as InputAdapter.forward: undo the
 * data's standardization, repeat a single channel, resize bilinearly
 * (align_corners false: ONNX's pytorch_half_pixel), apply the backbone's own
 * normalization.
 */
function emitInputAdapter(g: GraphBuilder, a: InputAdapter, x: string): string {
  const o = a.o;
  const col = (prefix: string, v: number[]) => g.floats(prefix, v, [1, v.length, 1, 1]);
  let h = g.node('Add', [g.node('Mul', [x, col('data_std', o.dataStd)]), col('data_mean', o.dataMean)]);
  const c = o.channels ?? o.dataMean.length;
  if (c !== o.dataMean.length) h = g.node('Tile', [h, g.ints('channel_repeats', [1, c, 1, 1])]);
  if (o.size) {
    // Sizes [N, C, H, W] with N from the input (the batch axis stays dynamic).
    const nc = g.node('Slice', [g.node('Shape', [h]), g.ints('starts', [0]), g.ints('ends', [2]), g.ints('axes', [0])]);
    const sizes = g.node('Concat', [nc, g.ints('adapter_size', o.size)], { axis: 0 });
    h = g.node('Resize', [h, g.floats('roi', [], [0]), g.floats('scales', [], [0]), sizes], { mode: 'linear', coordinate_transformation_mode: 'pytorch_half_pixel' });
  }
  return g.node('Div', [g.node('Sub', [h, col('backbone_mean', o.mean)]), col('backbone_std', o.std)]);
}

function emitResNet(g: GraphBuilder, m: ResNet, x: string): string {
  if (m.input) x = emitInputAdapter(g, m.input, x);
  let h = g.node('Relu', [emitBatchNorm(g, m.stemBn, emitConv(g, m.stem, x))]);
  if (m.pool) h = emitModule(g, m.pool, h);
  for (const stage of m.stages) for (const block of stage) h = emitModule(g, block, h);
  h = g.node('Flatten', [g.node('GlobalAveragePool', [h])], { axis: 1 });
  return emitLinear(g, m.fc, h);
}

/** The module registered under `name` (TabularNet keeps its layers private; their names are its contract). */
function child<T>(m: Module<any, any>, name: string): T | null {
  return (m.namedModules().find(([n]) => n === name)?.[1] as T | undefined) ?? null;
}

/**
 * The table network's inputs in the graph: one packed float32 row (`x`, as
 * the network itself takes it: features, then each text column's ids), or
 * the encoded features and an int64 id input per text column.
 */
export type TabularInputs = string | { features: string | null; tokens: string[] };

export function emitTabular(g: GraphBuilder, m: TabularNet, inputs: TabularInputs): string {
  const o = m.o;
  const packed = typeof inputs === 'string' ? inputs : null;
  const features = packed ?? (inputs as { features: string | null }).features;
  const slice = (start: number, width: number) => {
    if (!features) throw new ExportError('TabularNet: feature blocks without a features input');
    return g.node('Slice', [features, g.ints('starts', [start]), g.ints('ends', [start + width]), g.ints('axes', [1])]);
  };
  const parts: string[] = [];
  // Same order as join(): the pass-through blocks, the embeddings, the text encoders.
  for (const b of o.blocks) if (!(b.embedding > 0)) parts.push(slice(b.start, b.width));
  let e = 0;
  for (const b of o.blocks) {
    if (!(b.embedding > 0)) continue;
    const layer = child<Linear>(m, `emb_${e++}`);
    if (!layer) throw new ExportError(`TabularNet: no embedding layer for block ${b.name}`);
    parts.push(emitLinear(g, layer, slice(b.start, b.width)));
  }
  m.encoders.forEach(({ spec, module }, i) => {
    // Packed: the ids travel as float32 (exact below 2^24) and become int64 again.
    const ids = packed ? g.node('Cast', [slice(spec.start, spec.length)], { to: 7 }) : (inputs as { tokens: string[] }).tokens[i];
    parts.push(module instanceof BagEncoder ? emitBag(g, module, ids) : emitLstmEncoder(g, module, ids));
  });
  let h = parts.length === 1 ? parts[0] : g.node('Concat', parts, { axis: 1 });
  for (let i = 0; i < o.hidden.length; i++) {
    h = emitLinear(g, child<Linear>(m, `fc_${i}`)!, h);
    const bn = child<BatchNorm1d>(m, `bn_${i}`);
    if (bn) h = emitBatchNorm(g, bn, h);
    h = g.node('Relu', [h]);
  }
  let y = emitLinear(g, m.head, h);
  const s = o.outputScale;
  if (s) y = g.node('Add', [g.node('Mul', [y, g.floats('target_std', [s.std], [])]), g.floats('target_mean', [s.mean], [])]);
  return y;
}

/** 1.0 where an id is a real token, 0.0 for padding, as float32 [B, T, 1]. */
function realTokens(g: GraphBuilder, ids: string): string {
  return g.node('Cast', [g.node('Unsqueeze', [g.node('Not', [g.node('Equal', [ids, g.ints('pad_id', [0], [])])]), g.ints('axes', [2])])], { to: 1 });
}

/** BagEncoder.forward: words and hashed word pairs, their embeddings averaged over the real tokens (zeros for none). */
function emitBag(g: GraphBuilder, m: BagEncoder, ids: string): string {
  const { vocabulary, buckets } = m.o;
  let all = ids;
  if (buckets > 0) {
    const cut = (from: number, to: number) => g.node('Slice', [ids, g.ints('starts', [from]), g.ints('ends', [to]), g.ints('axes', [1])]);
    // Slices [0, −1) and [1, ∞): the sequence length stays a dynamic axis.
    const a = cut(0, -1);
    const b = cut(1, 2 ** 62);
    const zero = g.ints('zero_id', [0], []);
    const real = g.node('Cast', [g.node('And', [g.node('Greater', [a, zero]), g.node('Greater', [b, zero])])], { to: 7 });
    const hashed = g.node('Add', [g.node('Mod', [g.node('Add', [g.node('Mul', [a, g.ints('pair_prime', [BIGRAM_PRIME], [])]), b]), g.ints('pair_buckets', [buckets], [])]), g.ints('pair_offset', [vocabulary], [])]);
    all = g.node('Concat', [ids, g.node('Mul', [hashed, real])], { axis: 1 });
  }
  const emb = g.node('Gather', [g.floats('bag_embedding', data(m.weight), m.weight.shape), all], { axis: 0 });
  const mask = realTokens(g, all);
  const axis = g.ints('axes', [1]);
  const sum = g.node('ReduceSum', [g.node('Mul', [emb, mask]), axis], { keepdims: 0 });
  const count = g.node('Max', [g.node('ReduceSum', [mask, axis], { keepdims: 0 }), g.floats('one_token', [1], [])]);
  return g.node('Div', [sum, count]);
}

/** LstmEncoder.forward: embedding, LSTM, max over the real positions (padding filled with −1e4), zeros for a text without words. */
function emitLstmEncoder(g: GraphBuilder, m: LstmEncoder, ids: string): string {
  const emb = m.embedding;
  const e = g.node('Gather', [g.floats('embedding', data(emb.weight), emb.weight.shape), ids], { axis: 0 });
  const seqFirst = g.node('Transpose', [e], { perm: [1, 0, 2] });
  const out = g.node('Transpose', [emitLSTM(g, m.lstm, seqFirst)], { perm: [1, 0, 2] });
  const padding = g.node('Unsqueeze', [g.node('Equal', [ids, g.ints('pad_id', [0], [])]), g.ints('axes', [2])]);
  const pooled = g.node('ReduceMax', [g.node('Where', [padding, g.floats('pad_fill', [-1e4], []), out])], { axes: [1], keepdims: 0 });
  const anyWord = g.node('ReduceMax', [g.node('Squeeze', [realTokens(g, ids), g.ints('axes', [2])])], { axes: [1], keepdims: 1 });
  return g.node('Mul', [pooled, anyWord]);
}

// PyTorch stores LSTM gates as (input, forget, cell, output); ONNX as (input, output, forget, cell).
const GATES = [0, 3, 1, 2];

function gates(w: Float32Array): Float32Array {
  const per = w.length / 4;
  const out = new Float32Array(w.length);
  GATES.forEach((src, dst) => out.set(w.subarray(src * per, (src + 1) * per), dst * per));
  return out;
}

/** An LSTM over [seq, batch, features] (ONNX's default layout); returns [seq, batch, dirs·hidden]. */
function emitLSTM(g: GraphBuilder, m: LSTM, x: string): string {
  const { hiddenSize: H, numLayers, bidirectional } = m.o;
  const dirs = bidirectional ? 2 : 1;
  const p = new Map(m.namedParameters());
  let h = x;
  for (let layer = 0; layer < numLayers; layer++) {
    const W: Float32Array[] = [];
    const R: Float32Array[] = [];
    const B: Float32Array[] = [];
    let inSize = 0;
    for (let d = 0; d < dirs; d++) {
      const sfx = `_l${layer}${d === 1 ? '_reverse' : ''}`;
      const wih = p.get(`weight_ih${sfx}`)!;
      inSize = wih.shape[1];
      W.push(gates(data(wih)));
      R.push(gates(data(p.get(`weight_hh${sfx}`)!)));
      const bias = new Float32Array(8 * H);
      if (m.o.bias) {
        bias.set(gates(data(p.get(`bias_ih${sfx}`)!)), 0);
        bias.set(gates(data(p.get(`bias_hh${sfx}`)!)), 4 * H);
      }
      B.push(bias);
    }
    const cat = (a: Float32Array[]) => {
      const out = new Float32Array(a.reduce((s, v) => s + v.length, 0));
      let at = 0;
      for (const v of a) out.set(v, at), (at += v.length);
      return out;
    };
    const y = g.node('LSTM', [h, g.floats('lstm_W', cat(W), [dirs, 4 * H, inSize]), g.floats('lstm_R', cat(R), [dirs, 4 * H, H]), g.floats('lstm_B', cat(B), [dirs, 8 * H])], { hidden_size: H, direction: bidirectional ? 'bidirectional' : 'forward' });
    // Y is [seq, dirs, batch, hidden]: directions side by side per step, as PyTorch concatenates them.
    h = g.node('Reshape', [g.node('Transpose', [y], { perm: [0, 2, 1, 3] }), g.ints('shape', [0, 0, -1])]);
  }
  return h;
}
