// The seed's starting point for structured data: one fully connected hidden
// layer, with an embedding for each categorical column. Categorical columns
// arrive one-hot encoded, so an embedding is a bias-free linear map of its
// one-hot block (a lookup written as a product); numeric columns pass through.
import { Tensor, cat, tidy } from '../tensor/index.js';
import { Module, Linear, ReLU, Dropout, BatchNorm1d, init } from '../nn/index.js';
import type { GroupedModule, LayerGroupSpec } from '../train/transfer.js';

export interface TabularBlock {
  /** Column name (for the layer table). */
  name: string;
  /** Offset of this column's values in the feature vector. */
  start: number;
  /** Width: 1 for numeric, the vocabulary size for a one-hot categorical. */
  width: number;
  /** Embedding size for a categorical block; 0 passes the values through. */
  embedding: number;
}

export interface TabularNetOptions {
  /** Feature layout; numeric blocks pass through, categorical ones are embedded. */
  blocks: TabularBlock[];
  /** Widths of the hidden layers; the seed starts with one. */
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

export class TabularNet extends Module implements GroupedModule {
  readonly o: TabularNetOptions;
  private readonly embeds: Array<{ block: TabularBlock; layer: Linear }> = [];
  private readonly passthrough: TabularBlock[] = [];
  private readonly layers: Array<{ linear: Linear; bn: BatchNorm1d | null; dropout: Dropout | null }> = [];
  private readonly outDropout: Dropout | null;
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

  forward(x: Tensor): Tensor {
    return tidy(() => {
      const parts: Tensor[] = [];
      // Contiguous pass-through columns are taken as one slice.
      for (const b of this.passthrough) parts.push(x.narrow(1, b.start, b.width));
      for (const { block, layer } of this.embeds) parts.push(layer.forward(x.narrow(1, block.start, block.width)));
      let h = parts.length === 1 ? parts[0] : cat(parts, 1);
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

  /** Fine-tuning's layer groups: [embeddings], [hidden layers], [head]. */
  layerGroupSpec(): LayerGroupSpec {
    const children = this.namedChildren();
    const pick = (re: RegExp) => children.filter(([n]) => re.test(n)).map(([n]) => n);
    return [
      { name: 'embeddings', modules: pick(/^emb_/) },
      { name: 'hidden', modules: pick(/^(fc|bn|drop)_\d+$/) },
      { name: 'head', modules: pick(/^(drop_out|head)$/) },
    ];
  }
}
