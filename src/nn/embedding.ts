// Embedding: a learned vector per category or token id.
import { Tensor, empty, noGrad } from '../tensor/index.js';
import { Module } from './module.js';
import * as F from './functional.js';

export interface EmbeddingOptions {
  numEmbeddings: number;
  embeddingDim: number;
  /** An id whose vector stays zero and gets no gradient (e.g. padding); default none. */
  paddingIdx?: number;
  device?: string;
}

export class Embedding extends Module {
  readonly weight: Tensor;
  readonly paddingIdx: number;

  constructor(o: EmbeddingOptions) {
    super();
    this.paddingIdx = o.paddingIdx === undefined ? -1 : o.paddingIdx < 0 ? o.numEmbeddings + o.paddingIdx : o.paddingIdx;
    this.weight = this.registerParameter('weight', empty([o.numEmbeddings, o.embeddingDim], { device: o.device }));
    noGrad(() => {
      this.weight.normal_(0, 1);
      if (this.paddingIdx >= 0) this.weight.select(0, this.paddingIdx).fill_(0).dispose();
    });
  }

  forward(ids: Tensor): Tensor {
    return F.embedding(ids, this.weight, this.paddingIdx);
  }
}
