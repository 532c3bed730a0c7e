// Sequences and text: token embeddings into an LSTM (the seed's default
// recurrent unit), the last hidden state into a linear classifier/regressor.
import { Tensor, tidy } from '../tensor/index.js';
import { Module, Embedding, LSTM, Linear, Dropout } from '../nn/index.js';

export interface SequenceNetOptions {
  /** Vocabulary size (id 0 is padding). */
  vocabulary: number;
  /** Default 64. */
  embeddingDim?: number;
  /** Default 128. */
  hidden?: number;
  /** Default 1. */
  layers?: number;
  outputs: number;
  /** Dropout on the final hidden state; default 0. */
  dropout?: number;
  /** Read the sequence both ways; default false. */
  bidirectional?: boolean;
}

export class SequenceNet extends Module {
  readonly embedding: Embedding;
  readonly lstm: LSTM;
  readonly drop: Dropout | null;
  readonly head: Linear;
  private readonly dirs: number;

  constructor(o: SequenceNetOptions) {
    super();
    const e = o.embeddingDim ?? 64;
    const h = o.hidden ?? 128;
    this.dirs = o.bidirectional ? 2 : 1;
    this.embedding = this.registerModule('embedding', new Embedding({ numEmbeddings: o.vocabulary, embeddingDim: e, paddingIdx: 0 }));
    this.lstm = this.registerModule('lstm', new LSTM({ inputSize: e, hiddenSize: h, numLayers: o.layers ?? 1, batchFirst: true, bidirectional: o.bidirectional }));
    this.drop = o.dropout ? this.registerModule('dropout', new Dropout({ p: o.dropout })) : null;
    this.head = this.registerModule('head', new Linear({ inFeatures: h * this.dirs, outFeatures: o.outputs }));
  }

  /** ids: int64 [B, L] token ids, 0 = padding (left-padded sequences read best). */
  forward(ids: Tensor): Tensor {
    return tidy(() => {
      const { h } = this.lstm.forward(this.embedding.forward(ids));
      // The top layer's final state, both directions when bidirectional.
      const L = h.size(0);
      let last = this.dirs === 2 ? h.narrow(0, L - 2, 2).permute(1, 0, 2).flatten(1) : h.select(0, L - 1);
      if (this.drop) last = this.drop.forward(last);
      return this.head.forward(last);
    });
  }
}
