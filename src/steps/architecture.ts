// Step 2 — pick an initial architecture: one fully connected hidden layer
// sized between inputs and outputs for structured data (the midpoint, or the
// N_h = N_s / (α·(N_i + N_o)) rule), a ResNet sized to the input for images,
// embedding + LSTM for sequences and text. Printed as a layer table.
import { ArgumentError } from '../tensor/index.js';
import type { DataShape } from '../data/prepare.js';
import type { Module } from '../nn/index.js';
import { TabularNet, ResNet, SequenceNet, resnetFor, embeddingSize, layerTable, type TabularBlock, type LayerRow, type TabularNetOptions, type ResNetOptions, type SequenceNetOptions } from '../models/index.js';

/** The data's shape, as the data layer describes it. */
export type ArchitectureInput = DataShape;

export interface ArchitectureOptions {
  /** Tabular hidden width rule: 'midpoint' (default) or 'samples' (N_s / (α·(N_i + N_o))). */
  rule?: 'midpoint' | 'samples';
  /** α of the samples rule, between 2 and 10; default 5. */
  alpha?: number;
  /** Override the hidden widths (tabular) — one entry per hidden layer. */
  hidden?: number[];
}

export type ModelSpec =
  | { family: 'tabular'; options: TabularNetOptions }
  | { family: 'resnet'; options: ResNetOptions }
  | { family: 'sequence'; options: SequenceNetOptions };

export interface Proposal {
  spec: ModelSpec;
  reason: string;
}

/**
 * Builds the module a spec describes (a spec is plain JSON: it is saved with
 * the model), moved once to `device` (default the CPU) before any optimizer
 * holds its parameters.
 */
export function buildModel(spec: ModelSpec, device = 'cpu'): Module {
  const m = buildOnCpu(spec);
  if (device !== 'cpu') m.to(device);
  return m;
}

/** The device a module's parameters live on ('cpu' for one without parameters); several devices are named all. */
export function parameterDevice(m: Module): string {
  const seen = [...new Set(m.parameters().map((t) => t.device))];
  return seen.length ? seen.join(', ') : 'cpu';
}

function buildOnCpu(spec: ModelSpec): Module {
  switch (spec.family) {
    case 'tabular':
      return new TabularNet(spec.options);
    case 'resnet':
      return new ResNet(spec.options);
    case 'sequence':
      return new SequenceNet(spec.options);
  }
}

/** The layer table of a spec (built and released, so it costs a moment). */
export function describeModel(spec: ModelSpec): LayerRow[] {
  const m = buildModel(spec);
  try {
    return layerTable(m);
  } finally {
    m.dispose();
  }
}

export function proposeArchitecture(input: ArchitectureInput, o: ArchitectureOptions = {}): Proposal {
  if (input.kind === 'image') {
    const options = resnetFor({ inChannels: input.channels, classes: input.outputs, height: input.height, width: input.width });
    const depth = options.blocks.reduce((s, b) => s + 2 * b, 2);
    return {
      spec: { family: 'resnet', options },
      reason: `images of ${input.channels}×${input.height}×${input.width}: a proven architecture, ResNet-${depth} (${options.stem === 'small' ? 'CIFAR-style 3×3 stem for small images' : 'ImageNet layout'}), He-initialized`,
    };
  }
  if (input.kind === 'sequence') {
    return {
      spec: { family: 'sequence', options: { vocabulary: input.vocabulary, outputs: input.outputs, embeddingDim: 64, hidden: 128, outputScale: input.targetScale } },
      reason: `token sequences (vocabulary ${input.vocabulary}): an embedding into an LSTM, which resists vanishing gradients${input.targetScale ? `; outputs scaled by the training targets' mean ${input.targetScale.mean.toPrecision(4)} and std ${input.targetScale.std.toPrecision(4)}` : ''}`,
    };
  }
  // Embedded width: each categorical block contributes its embedding size.
  const blocks = input.blocks.map((b) => ({ ...b, embedding: b.width > 1 ? embeddingSize(b.width) : 0 }));
  const nIn = blocks.reduce((s, b) => s + (b.embedding || b.width), 0);
  const nOut = input.outputs;
  let hidden: number[];
  let why: string;
  if (o.hidden) {
    hidden = o.hidden;
    why = `hidden layers [${hidden.join(', ')}] as given`;
  } else if ((o.rule ?? 'midpoint') === 'samples') {
    const alpha = o.alpha ?? 5;
    if (!(alpha >= 2 && alpha <= 10)) throw new ArgumentError(`α must lie between 2 and 10, got ${alpha}`);
    const raw = input.trainingRows / (alpha * (nIn + nOut));
    const h = Math.max(1, Math.round(raw));
    hidden = [h];
    why = `one hidden layer of N_s/(α·(N_i+N_o)) = ${input.trainingRows}/(${alpha}·(${nIn}+${nOut})) ≈ ${h} units`;
  } else {
    const h = Math.max(1, Math.round((nIn + nOut) / 2));
    hidden = [h];
    why = `one hidden layer at the midpoint of ${nIn} inputs and ${nOut} outputs: ${h} units`;
  }
  const embedded = blocks.filter((b) => b.embedding > 0);
  return {
    spec: { family: 'tabular', options: { blocks, hidden, outputs: nOut, heInit: true, outputScale: input.targetScale } },
    reason: `structured data: ${why}${embedded.length ? `, embeddings for ${embedded.map((b) => `${b.name} (${b.width}→${b.embedding})`).join(', ')}` : ''}, ReLU with He initialization${input.targetScale ? `; outputs scaled by the training targets' mean ${input.targetScale.mean.toPrecision(4)} and std ${input.targetScale.std.toPrecision(4)}` : ''}`,
  };
}
