// Tabular augmentation, off unless asked for: Gaussian noise on the features
// and mixup (convex combinations of row pairs). Mixup returns the partner
// targets and the weight, so classification losses mix instead of the labels.
import { tensor, tidy, randnLike } from '../tensor/index.js';
import type { Augmenter, Batch } from './loader.js';
import type { Rng } from './prng.js';

export interface TabularAugmentConfig {
  /** Add N(0, std²) to every feature (features are standardized, so std is in standard deviations). */
  noise: { std: number } | null;
  /** Mix each row with a random partner, weight λ ~ Beta(alpha, alpha). */
  mixup: { alpha: number } | null;
}

export const DEFAULT_TABULAR_AUGMENT: TabularAugmentConfig = { noise: null, mixup: null };

export class TabularAugment implements Augmenter {
  readonly config: TabularAugmentConfig;

  constructor(config: Partial<TabularAugmentConfig> = {}) {
    this.config = { ...DEFAULT_TABULAR_AUGMENT, ...JSON.parse(JSON.stringify(config)) };
  }

  apply(batch: Batch, rng: Rng): Batch {
    return tidy(() => {
      let { x, y } = batch;
      const out: Batch = { ...batch };
      if (this.config.noise && this.config.noise.std > 0) {
        // libtorch's generator draws the noise: seed it with manualSeed() for repeatable runs
        x = x.add(randnLike(x).mul(this.config.noise.std));
      }
      if (this.config.mixup && this.config.mixup.alpha > 0) {
        const lambda = rng.beta(this.config.mixup.alpha, this.config.mixup.alpha);
        const perm = tensor(rng.permutation(x.shape[0]), { dtype: 'int64', device: x.device });
        x = x.mul(lambda).add(x.indexSelect(0, perm).mul(1 - lambda));
        if (y) {
          const partner = y.indexSelect(0, perm);
          if (y.dtype === 'int64') {
            out.y2 = partner;
            out.lambda = lambda;
          } else {
            y = y.mul(lambda).add(partner.mul(1 - lambda)); // regression and multilabel targets mix directly
          }
        }
      }
      out.x = x === batch.x ? x.clone() : x;
      out.y = y === batch.y ? (y ? y.clone() : null) : y;
      return out;
    });
  }

  toJSON(): TabularAugmentConfig {
    return JSON.parse(JSON.stringify(this.config));
  }
}
