// Sequences and text: token embeddings into an LSTM (the seed's default
// recurrent unit), the last hidden state into a linear classifier/regressor.
// Without the LSTM (bagOfWords) the mean of the token embeddings goes to the
// head: a linear model of the term frequencies (the linear reference of text).
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
  /** No LSTM: the mean of the real tokens' embeddings into the head — a linear model of the bag of words. Default false. */
  bagOfWords?: boolean;
  /** Regression: outputs are mean + std·head, so the head works on standardized targets (as TabularNet). */
  outputScale?: { mean: number; std: number };
}

export class SequenceNet extends Module {
  readonly embedding: Embedding;
  /** Null for a bag of words. */
  readonly lstm: LSTM | null;
  readonly drop: Dropout | null;
  readonly head: Linear;
  private readonly dirs: number;

  constructor(readonly o: SequenceNetOptions) {
    super();
    const e = o.embeddingDim ?? 64;
    const h = o.hidden ?? 128;
    this.dirs = o.bidirectional ? 2 : 1;
    this.embedding = this.registerModule('embedding', new Embedding({ numEmbeddings: o.vocabulary, embeddingDim: e, paddingIdx: 0 }));
    this.lstm = o.bagOfWords ? null : this.registerModule('lstm', new LSTM({ inputSize: e, hiddenSize: h, numLayers: o.layers ?? 1, batchFirst: true, bidirectional: o.bidirectional }));
    this.drop = o.dropout ? this.registerModule('dropout', new Dropout({ p: o.dropout })) : null;
    this.head = this.registerModule('head', new Linear({ inFeatures: this.lstm ? h * this.dirs : e, outFeatures: o.outputs }));
  }

  /** ids: int64 [B, L] token ids, 0 = padding. */
  forward(ids: Tensor): Tensor {
    return tidy(() => {
      let pooled = this.lstm ? this.recurrent(this.lstm, ids) : this.bag(ids);
      if (this.drop) pooled = this.drop.forward(pooled);
      const y = this.head.forward(pooled);
      const s = this.o.outputScale;
      return s ? y.mul(s.std).add(s.mean) : y;
    });
  }

  private recurrent(lstm: LSTM, ids: Tensor): Tensor {
    const { output } = lstm.forward(this.embedding.forward(ids));
    // Max over the real (non-padding) positions: the reading does not depend
    // on which side the sequences were padded, and long texts keep early evidence.
    return output.maskedFill(ids.eq(0).unsqueeze(2), -1e4).max(1).values;
  }

  /** The mean embedding of the real tokens (the padding row is zero): term frequencies times the embedding matrix. */
  private bag(ids: Tensor): Tensor {
    const tokens = ids.ne(0).float().sum(1, true).clamp(1);
    return this.embedding.forward(ids).sum(1).div(tokens);
  }
}
