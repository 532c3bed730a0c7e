// A model directory as one ONNX file: the training preprocessing inside the
// graph (see preprocess.ts), the network (modules.ts), and the outputs a user
// wants: class probabilities and the class index, or the value in the
// target's units. Opset 13, a dynamic batch axis, named inputs and outputs,
// weights as initializers. The sidecar (inputs.ts) says how raw rows become
// the inputs where the graph cannot parse them itself.
import { join, resolve } from 'node:path';
import { loadModelDir, ModelDirError, MANIFEST } from '../artifact/index.js';
import { buildModel, TabularNet, type ModelSpec } from '../models/index.js';
import { inputLayout } from '../data/model_input.js';
import type { Preprocessing } from '../data/prepare.js';
import { Normalizer, type NormalizerJSON } from '../data/index.js';
import type { Module } from '../nn/index.js';
import { GraphBuilder, OPSET } from './graph.js';
import { emitModule, emitTabular, ExportError } from './modules.js';
import { emitFlipAveraged } from './flip_tta.js';
import { emitTablePreprocessing } from './preprocess.js';
import { tableColumns, tokenInputNames, type OnnxInputSpec, type OnnxSidecar } from './inputs.js';

export type Task = 'binary' | 'multiclass' | 'multilabel' | 'regression';

export interface ExportedModel {
  /** The serialized ONNX ModelProto. */
  onnx: Uint8Array;
  sidecar: OnnxSidecar;
}

/**
 * The outputs from the network's raw output `y`: probabilities and class
 * (binary as [1 − p, p], the class p ≥ 0.5 as the server decides it),
 * probabilities and 0/1 labels (multilabel), or value (regression).
 */
function emitOutputs(g: GraphBuilder, y: string, task: Task, width: number): string[] {
  switch (task) {
    case 'regression':
      g.output(y, 'value', 'float32', ['batch', width], 'the prediction in the target’s units');
      return ['value'];
    case 'multiclass': {
      const p = g.node('Softmax', [y], { axis: 1 });
      g.output(p, 'probabilities', 'float32', ['batch', width], 'probability of each class, in the sidecar’s class order');
      g.output(g.node('ArgMax', [p], { axis: 1, keepdims: 0 }), 'class', 'int64', ['batch'], 'index of the most probable class');
      return ['probabilities', 'class'];
    }
    case 'binary': {
      const p = g.node('Sigmoid', [y]);
      const probs = g.node('Concat', [g.node('Sub', [g.floats('one', [1], []), p]), p], { axis: 1 });
      g.output(probs, 'probabilities', 'float32', ['batch', 2], 'probability of each class, in the sidecar’s class order');
      const cls = g.node('Reshape', [g.node('Cast', [g.node('GreaterOrEqual', [p, g.floats('half', [0.5], [])])], { to: 7 }), g.ints('shape', [-1])]);
      g.output(cls, 'class', 'int64', ['batch'], 'index of the predicted class (1 when its probability is at least 0.5)');
      return ['probabilities', 'class'];
    }
    case 'multilabel': {
      const p = g.node('Sigmoid', [y]);
      g.output(p, 'probabilities', 'float32', ['batch', width], 'probability of each label, independently');
      g.output(g.node('Cast', [g.node('GreaterOrEqual', [p, g.floats('half', [0.5], [])])], { to: 7 }), 'labels', 'int64', ['batch', width], '1 for each label with probability at least 0.5');
      return ['probabilities', 'labels'];
    }
  }
}

function outputWidth(spec: ModelSpec): number {
  return spec.family === 'resnet' ? spec.options.classes : spec.options.outputs;
}

/** Exports a model directory (verified by its checksums) with its preprocessing. */
export function exportModelDir(dirIn: string): ExportedModel {
  const dir = resolve(dirIn);
  const { read, model } = loadModelDir<ModelSpec>(dir, (spec) => buildModel(spec));
  const m = read.manifest;
  const spec = m.architecture;
  const pre = m.preprocessing;
  try {
    const g = new GraphBuilder();
    let input: OnnxInputSpec;
    let y: string;
    let task: Task;
    let classes: string[] | null;
    if (pre.kind === 'image') {
      const [C, H, W] = pre.shape;
      input = { kind: 'image', name: 'pixels', shape: pre.shape, note: `raw pixel values (0–255 for 8-bit images), float32 [batch, ${C}, ${H}, ${W}], channels first; the graph scales and standardizes them` };
      const px = g.input('pixels', 'float32', ['batch', C, H, W], input.note);
      const n = Normalizer.fromJSON(pre.normalizer);
      let x = n.scale !== 1 ? g.node('Mul', [px, g.floats('pixel_scale', [n.scale], [])]) : px;
      x = g.node('Div', [g.node('Sub', [x, g.floats('channel_mean', n.mean, [1, C, 1, 1])]), g.floats('channel_std', n.std, [1, C, 1, 1])]);
      // Test-time augmentation travels with the model step 5 verified (model directory: extra.testTimeAugmentation).
      // (checked with the manifest: "flip" or none).
      const tta = m.extra?.testTimeAugmentation;
      y = tta === 'flip' ? emitFlipAveraged(g, x, (input) => emitModule(g, model, input), m.task === 'binary' ? 'binary' : 'multiclass', outputWidth(spec)) : emitModule(g, model, x);
      // A binary image model has one output read through a sigmoid (ImagePredictor), not a softmax over one class.
      task = m.task === 'binary' ? 'binary' : 'multiclass';
      classes = pre.classes;
    } else {
      const p = pre.preprocessor;
      task = (p.target?.task ?? m.task) as Task;
      classes = !p.target || p.target.task === 'regression' ? null : p.target.task === 'multilabel' ? p.target.labels : p.target.classes;
      if (!(model instanceof TabularNet)) throw new ModelDirError(join(dir, MANIFEST), `a ${spec.family} network with table preprocessing`);
      const { columns, width } = tableColumns(p);
      const names = tokenInputNames(inputLayout(p).texts.map((t) => t.column));
      const texts = p.features.flatMap((f) => (f.kind === 'text' ? [{ name: names.get(f.column)!, column: f.column, tokenizer: f.tokenizer }] : []));
      input = { kind: 'table', name: width > 0 ? 'features' : null, width, columns, texts, missingTokens: p.missingTokens };
      const numeric = columns.every((c) => c.kind === 'numeric');
      const doc = numeric
        ? `raw values of ${columns.map((c) => JSON.stringify(c.column)).join(', ')} in this order; NaN for a missing value`
        : 'one column per numeric or boolean feature (raw value, NaN when missing), per categorical feature (its vocabulary index), per date part; the sidecar lists them';
      const features = width > 0 ? emitTablePreprocessing(g, p, columns, g.input('features', 'float32', ['batch', width], doc)) : null;
      const tokens = texts.map((t) => g.input(t.name, 'int64', ['batch', t.tokenizer.maxLength], `token ids of column ${JSON.stringify(t.column)} (0 = padding, cut or padded to ${t.tokenizer.maxLength}), as the sidecar's tokenizer makes them`));
      y = emitTabular(g, model, { features, tokens });
    }
    const outputs = emitOutputs(g, y, task, outputWidth(spec));
    const key = read.modelKey;
    const onnx = g.encode({
      graphName: `sixstep_${spec.family}`,
      doc: `sixstep ${spec.family} model (${task}) exported from ${MANIFEST} ${key}`,
      metadata: { task, classes: JSON.stringify(classes), model: key, input: input.kind === 'table' ? [input.name, ...input.texts.map((t) => t.name)].filter(Boolean).join(',') : input.name },
    });
    return { onnx, sidecar: { format: 'sixstep-onnx-inputs', version: 2, model: key, task, classes, opset: OPSET, input, outputs } };
  } finally {
    model.dispose();
  }
}

/**
 * The network alone, over the already-encoded input rows the Predictor makes
 * (`x` float32 [batch, width]: features, then text ids), returning what the
 * Predictor computes from the network's output: softmax (multiclass),
 * sigmoid (binary, multilabel) or the raw value (regression), as `y`.
 * The server runs this so its preprocessing stays sixstep's own code;
 * `normalizer` moves the final standardization into the graph (one native
 * round trip fewer per request on the main thread).
 */
export function exportNetwork(model: Module, spec: ModelSpec, task: Task, input: { width: number; normalizer?: NormalizerJSON | null }): Uint8Array {
  const g = new GraphBuilder();
  let x = g.input('x', 'float32', ['batch', input.width]);
  if (input.normalizer) {
    // Standardization as the graph's first step (the same float32 subtract and divide as Normalizer.applyArray);
    // token ids after the features pass unchanged ((v − 0) / 1).
    const n = Normalizer.fromJSON(input.normalizer);
    const pad = (v: number[], fill: number) => [...v, ...new Array(Math.max(0, input.width - v.length)).fill(fill)];
    x = g.node('Div', [g.node('Sub', [x, g.floats('feature_mean', pad(n.mean, 0), [1, input.width])]), g.floats('feature_std', pad(n.std, 1), [1, input.width])]);
  }
  let y = emitModule(g, model, x);
  if (task === 'multiclass') y = g.node('Softmax', [y], { axis: 1 });
  else if (task !== 'regression') y = g.node('Sigmoid', [y]);
  g.output(y, 'y', 'float32', ['batch', outputWidth(spec)]);
  return g.encode({ graphName: `sixstep_${spec.family}_network`, doc: 'network only (encoded inputs)', metadata: { task } });
}

/**
 * exportNetwork for a verified model directory, with the manifest's SHA-256 it
 * was read with; `standardize: true` puts the training standardization in the
 * graph (feed it the encoding before standardization).
 */
export function exportNetworkFromDir(dirIn: string, o: { standardize?: boolean } = {}): { onnx: Uint8Array; modelKey: string } {
  const dir = resolve(dirIn);
  const { read, model } = loadModelDir<ModelSpec>(dir, (spec) => buildModel(spec), {
    accept: (m) => {
      if (m.preprocessing.kind === 'image') throw new ExportError('image models are not served');
    },
  });
  const m = read.manifest;
  const pre = m.preprocessing;
  try {
    if (pre.kind === 'image') throw new ExportError('image models are not served');
    const task = (pre.preprocessor.target?.task ?? m.task) as Task;
    const onnx = exportNetwork(model, m.architecture, task, { width: inputLayout(pre.preprocessor).width, normalizer: o.standardize ? pre.preprocessor.normalizer : null });
    return { onnx, modelKey: read.modelKey };
  } finally {
    model.dispose();
  }
}

export { ExportError };
