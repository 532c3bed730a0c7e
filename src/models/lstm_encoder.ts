// A text column read in order (the playbook's embedding + LSTM): token
// embeddings into an LSTM, the outputs max-pooled over the real (non-padding)
// positions, so the reading does not depend on the padding and long texts keep
// early evidence. A text without words reads as zeros.
import { Tensor, tidy } from '../tensor/index.js';
import { Module, Embedding, LSTM } from '../nn/index.js';

export interface LstmEncoderOptions {
  /** Token ids run from 0 (padding) to vocabulary − 1. */
  vocabulary: number;
  /** Embedding width. */
  dim: number;
  /** LSTM units (per direction). */
  hidden: number;
  /** Stacked layers; default 1. */
  layers?: number;
  /** Read both ways; default false. */
  bidirectional?: boolean;
}

export class LstmEncoder extends Module {
  readonly embedding: Embedding;
  readonly lstm: LSTM;

  constructor(readonly o: LstmEncoderOptions) {
    super();
    this.embedding = this.registerModule('embedding', new Embedding({ numEmbeddings: o.vocabulary, embeddingDim: o.dim, paddingIdx: 0 }));
    this.lstm = this.registerModule('lstm', new LSTM({ inputSize: o.dim, hiddenSize: o.hidden, numLayers: o.layers ?? 1, batchFirst: true, bidirectional: o.bidirectional }));
  }

  get width(): number {
    return this.o.hidden * (this.o.bidirectional ? 2 : 1);
  }

  /** ids: int64 [B, L] → [B, width]. */
  forward(ids: Tensor): Tensor {
    return tidy(() => {
      const { output } = this.lstm.forward(this.embedding.forward(ids));
      const pooled = output.maskedFill(ids.eq(0).unsqueeze(2), -1e4).max(1).values;
      // Rows without a word would read -1e4 everywhere: zeros instead.
      const anyWord = ids.ne(0).to(pooled.dtype).max(1, true).values;
      return pooled.mul(anyWord);
    });
  }
}
