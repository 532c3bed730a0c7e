// The network for tables, whatever mix of columns they have: the seed's
// fully connected layers over every input path joined side by side. Numeric
// values (and date parts, missing indicators) pass through; each categorical
// column, arriving one-hot, is embedded by a bias-free linear map of its block
// (a lookup written as a product); each text column, arriving as token ids at
// the end of the row (data/model_input.ts), has an encoder of its own — a bag
// of word and word-pair embeddings, or an embedding + LSTM. The joined vector
// feeds the hidden layers (none: a linear model on the same inputs) and the head.
import { Tensor, cat, tidy } from '../tensor/index.js';
import { Module, Linear, Dropout, BatchNorm1d, init } from '../nn/index.js';
import { BagEncoder } from './bag_encoder.js';
import { LstmEncoder } from './lstm_encoder.js';
import type { LayerNotes } from './summary.js';
import type { GroupedModule, LayerGroupSpec } from '../train/transfer.js';

export interface TabularBlock {
  /** Input name (for the layer table). */
  name: string;
  /** The table column the values come from; default: name. */
  column?: string;
  /** Offset of this column's values in the feature vector. */
  start: number;
  /** Width: 1 for numeric, the vocabulary size for a one-hot categorical. */
  width: number;
  /** Embedding size for a categorical block; 0 passes the values through. */
  embedding: number;
}

/** A text column's encoder: where its ids sit in the input row, and how they are read. */
export type TextEncoderSpec = {
  column: string;
  /** Offset and count of the column's token ids in the input row. */
  start: number;
  length: number;
  /** Ids run from 0 (padding) to vocabulary − 1. */
  vocabulary: number;
  /** Embedding width. */
  dim: number;
} & ({ encoder: 'bag'; buckets: number } | { encoder: 'lstm'; hidden: number; layers?: number; bidirectional?: boolean });

export interface TabularNetOptions {
  /** Feature layout; numeric blocks pass through, categorical ones are embedded. */
  blocks: TabularBlock[];
  /** Text columns after the features, one encoder each; default none. */
  texts?: TextEncoderSpec[];
  /** Widths of the hidden layers; the seed starts with one; [] is a linear model. */
  hidden: number[];
  outputs: number;
  /** Dropout before each hidden and the last linear layer (index i for hidden layer i, last for the output); default none. */
  dropout?: number[];
  /** Batch norm after each hidden layer; default false. */
  batchNorm?: boolean;
  /** He initialization for the ReLU layers; default true. */
  heInit?: boolean;
  /**
   * Regression: outputs are head(h)·std + mean with the training targets'
   * statistics, so the network starts at the right scale (not trained).
   */
  outputScale?: { mean: number; std: number };
}

/** A rule of thumb for embedding sizes (fastai's): min(600, round(1.6·n^0.56)), at most n. */
export function embeddingSize(categories: number): number {
  return Math.max(1, Math.min(categories, 600, Math.round(1.6 * categories ** 0.56)));
}

/** An encoder's output width. */
export function textWidth(t: TextEncoderSpec): number {
  return t.encoder === 'bag' ? t.dim : t.hidden * (t.bidirectional ? 2 : 1);
}

/** The table columns a network of these options reads, in input order (each once). */
export function modelColumns(o: Pick<TabularNetOptions, 'blocks' | 'texts'>): string[] {
  return [...new Set([...o.blocks.map((b) => b.column ?? b.name), ...(o.texts ?? []).map((t) => t.column)])];
}

export class TabularNet extends Module implements GroupedModule {
  readonly o: TabularNetOptions;
  private readonly embeds: Array<{ block: TabularBlock; layer: Linear }> = [];
  private readonly passthrough: TabularBlock[] = [];
  readonly encoders: Array<{ spec: TextEncoderSpec; module: BagEncoder | LstmEncoder }> = [];
  private readonly layers: Array<{ linear: Linear; bn: BatchNorm1d | null; dropout: Dropout | null }> = [];
  private readonly outDropout: Dropout | null;
  /** Width of the joined input paths. */
  readonly joinedWidth: number;
  readonly head: Linear;

  constructor(o: TabularNetOptions) {
    super();
    this.o = o;
    let width = 0;
    for (const b of o.blocks) {
      if (b.embedding > 0) {
        const layer = this.registerModule(`emb_${this.embeds.length}`, new Linear({ inFeatures: b.width, outFeatures: b.embedding, bias: false }));
        this.embeds.push({ block: b, layer });
        width += b.embedding;
      } else {
        this.passthrough.push(b);
        width += b.width;
      }
    }
    (o.texts ?? []).forEach((t, i) => {
      const module = t.encoder === 'bag' ? new BagEncoder({ vocabulary: t.vocabulary, dim: t.dim, buckets: t.buckets }) : new LstmEncoder({ vocabulary: t.vocabulary, dim: t.dim, hidden: t.hidden, layers: t.layers, bidirectional: t.bidirectional });
      this.encoders.push({ spec: t, module: this.registerModule(`text_${i}`, module) });
      width += module.width;
    });
    if (width === 0) throw new RangeError('TabularNet: no input (no feature block and no text column)');
    this.joinedWidth = width;
    const drop = o.dropout ?? [];
    o.hidden.forEach((h, i) => {
      const dropout = drop[i] ? this.registerModule(`drop_${i}`, new Dropout({ p: drop[i] })) : null;
      const linear = this.registerModule(`fc_${i}`, new Linear({ inFeatures: width, outFeatures: h }));
      if (o.heInit !== false) init.kaimingNormal_(linear.weight, { nonlinearity: 'relu' });
      const bn = o.batchNorm ? this.registerModule(`bn_${i}`, new BatchNorm1d({ numFeatures: h })) : null;
      this.layers.push({ linear, bn, dropout });
      width = h;
    });
    const last = drop[o.hidden.length] ?? 0;
    this.outDropout = last ? this.registerModule('drop_out', new Dropout({ p: last })) : null;
    this.head = this.registerModule('head', new Linear({ inFeatures: width, outFeatures: o.outputs }));
  }

  /** The input paths side by side: pass-through features, embedded categories, encoded texts ([B, joinedWidth]). */
  join(x: Tensor): Tensor {
    return tidy(() => {
      const parts: Tensor[] = [];
      for (const b of this.passthrough) parts.push(x.narrow(1, b.start, b.width));
      for (const { block, layer } of this.embeds) parts.push(layer.forward(x.narrow(1, block.start, block.width)));
      for (const { spec, module } of this.encoders) parts.push(module.forward(x.narrow(1, spec.start, spec.length).to('int64')));
      return parts.length === 1 ? parts[0] : cat(parts, 1);
    });
  }

  forward(x: Tensor): Tensor {
    return tidy(() => {
      let h = this.join(x);
      for (const { linear, bn, dropout } of this.layers) {
        if (dropout) h = dropout.forward(h);
        h = linear.forward(h);
        if (bn) h = bn.forward(h);
        h = h.relu();
      }
      if (this.outDropout) h = this.outDropout.forward(h);
      const y = this.head.forward(h);
      const s = this.o.outputScale;
      return s ? y.mul(s.std).add(s.mean) : y;
    });
  }

  /** The layer table's view of the input paths: what each layer reads, and the pass-through features as a row of their own. */
  layerNotes(): LayerNotes {
    const notes: Record<string, string> = {};
    const parts: string[] = [];
    if (this.passthrough.length) {
      const cols = modelColumns({ blocks: this.passthrough });
      parts.push(`${this.passthrough.reduce((s, b) => s + b.width, 0)} (features)`);
      notes['(features)'] = `${list(cols)} as ${this.passthrough.length} value(s)`;
    }
    this.embeds.forEach(({ block }, i) => {
      notes[`emb_${i}`] = `${block.column ?? block.name}: ${block.width} categories → ${block.embedding}`;
      parts.push(`${block.embedding} (${block.column ?? block.name})`);
    });
    this.encoders.forEach(({ spec, module }, i) => {
      const what = spec.encoder === 'bag' ? `bag of words${spec.buckets ? ' and word pairs' : ''}, mean of ${spec.length} ids${spec.buckets ? ` and their pairs (${spec.buckets} hash buckets)` : ''}` : `embedding into an LSTM over ${spec.length} ids, max over positions`;
      notes[spec.encoder === 'bag' ? `text_${i}` : `text_${i}.embedding`] = `${spec.column}: ${what} → ${module.width}`;
      parts.push(`${module.width} (${spec.column})`);
    });
    const join = parts.length > 1 ? `join: ${parts.join(' + ')} = ${this.joinedWidth}` : `input: ${parts[0]}`;
    notes[this.layers.length ? 'fc_0' : 'head'] = join;
    return { notes, extra: this.passthrough.length ? [{ name: '(features)', type: 'pass-through', shapes: {}, params: 0 }] : [] };
  }

  /** Fine-tuning's layer groups: [embeddings and text encoders], [hidden layers], [head]. */
  layerGroupSpec(): LayerGroupSpec {
    const children = this.namedChildren();
    const pick = (re: RegExp) => children.filter(([n]) => re.test(n)).map(([n]) => n);
    return [
      { name: 'embeddings', modules: pick(/^(emb|text)_\d+$/) },
      { name: 'hidden', modules: pick(/^(fc|bn|drop)_\d+$/) },
      { name: 'head', modules: pick(/^(drop_out|head)$/) },
    ];
  }
}

const list = (xs: string[], most = 6) => `${xs.slice(0, most).join(', ')}${xs.length > most ? `, … (${xs.length})` : ''}`;
