// The embedding network of one-shot learning: a ResNet body whose last
// linear layer projects to an L2-normalized embedding (trained with a
// triplet cost in src/steps/one_shot.ts).
import { Tensor, tidy } from '../tensor/index.js';
import { Module } from '../nn/index.js';
import { ResNet } from './resnet.js';


export interface EmbeddingNetOptions {
  inChannels: number;
  /** Width of the embedding; default 32. */
  dim?: number;
  /** ResNet blocks per stage; default [1, 1, 1]. */
  blocks?: number[];
  /** ResNet channels per stage; default [8, 16, 32] (small: CPUs train it in seconds). */
  widths?: number[];
}

/** Rows scaled to unit L2 norm (distances then lie in [0, 2], whatever the scale the layers drift to). */
export function l2Normalize(x: Tensor, eps = 1e-12): Tensor {
  return tidy(() => x.div(x.norm(2, 1, true).clamp(eps)));
}

/**
 * A ResNet body whose last linear layer projects to `dim` values, L2
 * normalized. Its parameter names are the ResNet's under "body.", so
 * layerGroups and loadPretrained work on `net.body`.
 */
export class EmbeddingNet extends Module {
  readonly body: ResNet;
  readonly dim: number;

  constructor(o: EmbeddingNetOptions) {
    super();
    this.dim = o.dim ?? 32;
    this.body = this.registerModule('body', new ResNet({ inChannels: o.inChannels, classes: this.dim, blocks: o.blocks ?? [1, 1, 1], widths: o.widths ?? [8, 16, 32] }));
  }

  forward(x: Tensor): Tensor {
    return tidy(() => l2Normalize(this.body.forward(x)));
  }
}

