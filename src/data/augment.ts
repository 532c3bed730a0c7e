// Image augmentation on NCHW float batches, as tensor operations: random
// horizontal flip, small rotation and translation (affine_grid + grid_sampler),
// random crop with zero padding, brightness/contrast, random erasing. Each part
// is switched off by setting it to null; the resolved config is plain JSON so
// a run can record exactly what it trained with.
import { cat, op, tensor, tidy, where, arange, type Tensor } from '../tensor/index.js';
import type { Augmenter, Batch } from './loader.js';
import type { Rng } from './prng.js';

export interface ImageAugmentConfig {
  /** Mirror left–right with probability p. */
  hflip: { p: number } | null;
  /** With probability p: rotate by up to ±degrees and shift by up to ±translate of the size (bilinear, zeros outside). */
  affine: { p: number; degrees: number; translate: number } | null;
  /** Pad by `padding` zeros on each side, then cut a random window of the original size. */
  crop: { padding: number } | null;
  /** Multiply by a factor in [1−brightness, 1+brightness]; scale contrast about each image's mean by [1−contrast, 1+contrast]; clamp to [0, 1]. */
  color: { brightness: number; contrast: number } | null;
  /** With probability p: fill a random rectangle covering `area` [min, max] of the image with `value`. */
  erase: { p: number; area: [number, number]; value: number } | null;
}

/** The defaults: every part on, with mild settings for small images (MNIST/CIFAR-sized). */
export const DEFAULT_IMAGE_AUGMENT: ImageAugmentConfig = {
  hflip: { p: 0.5 },
  affine: { p: 0.5, degrees: 10, translate: 0.1 },
  crop: { padding: 2 },
  color: { brightness: 0.2, contrast: 0.2 },
  erase: { p: 0.25, area: [0.02, 0.15], value: 0 },
};

export class ImageAugment implements Augmenter {
  readonly config: ImageAugmentConfig;

  /** Parts not given take DEFAULT_IMAGE_AUGMENT's settings; pass null to switch one off. */
  constructor(config: Partial<ImageAugmentConfig> = {}) {
    this.config = { ...DEFAULT_IMAGE_AUGMENT, ...JSON.parse(JSON.stringify(config)) };
  }

  /** Augments x ([N, C, H, W] float, values in [0, 1]); returns a new tensor. */
  images(x: Tensor, rng: Rng): Tensor {
    return tidy(() => {
      const [N, C, H, W] = x.shape;
      const dev = x.device;
      const c = this.config;
      const col = (v: number[]): Tensor => tensor(Float32Array.from(v), { shape: [N, 1, 1, 1], device: dev });
      let out = x;
      if (c.hflip && c.hflip.p > 0) {
        const flip = tensor(Uint8Array.from({ length: N }, () => (rng.next() < c.hflip!.p ? 1 : 0)), { shape: [N, 1, 1, 1], dtype: 'bool', device: dev });
        out = where(flip, out.flip(3), out);
      }
      if (c.affine && c.affine.p > 0) {
        const theta = new Float32Array(N * 6);
        for (let i = 0; i < N; i++) {
          const on = rng.next() < c.affine.p;
          const a = on ? (rng.uniform(-1, 1) * c.affine.degrees * Math.PI) / 180 : 0;
          const tx = on ? rng.uniform(-1, 1) * c.affine.translate * 2 : 0; // normalized coordinates span 2
          const ty = on ? rng.uniform(-1, 1) * c.affine.translate * 2 : 0;
          const cos = Math.cos(a);
          const sin = Math.sin(a);
          // rotation in pixel space, so non-square images are not sheared
          theta.set([cos, (-sin * H) / W, tx, (sin * W) / H, cos, ty], i * 6);
        }
        const grid = op('aten::affine_grid_generator', '', tensor(theta, { shape: [N, 2, 3], device: dev }), [N, C, H, W], false) as Tensor;
        out = op('aten::grid_sampler', '', out, grid, 0, 0, false) as Tensor; // bilinear, zero padding
      }
      if (c.crop && c.crop.padding > 0) {
        const p = c.crop.padding;
        const padded = op('aten::constant_pad_nd', '', out, [p, p, p, p], 0) as Tensor;
        const parts: Tensor[] = [];
        for (let i = 0; i < N; i++) parts.push(padded.narrow(0, i, 1).narrow(2, rng.int(2 * p + 1), H).narrow(3, rng.int(2 * p + 1), W));
        out = cat(parts, 0);
      }
      if (c.color && (c.color.brightness > 0 || c.color.contrast > 0)) {
        const b = c.color.brightness;
        const k = c.color.contrast;
        out = out.mul(col(Array.from({ length: N }, () => rng.uniform(1 - b, 1 + b))));
        const mean = out.mean([1, 2, 3], true);
        out = out.sub(mean).mul(col(Array.from({ length: N }, () => rng.uniform(1 - k, 1 + k)))).add(mean).clamp(0, 1);
      }
      if (c.erase && c.erase.p > 0) {
        const box = { y0: [] as number[], y1: [] as number[], x0: [] as number[], x1: [] as number[] };
        for (let i = 0; i < N; i++) {
          let h = 0;
          let w = 0;
          if (rng.next() < c.erase.p) {
            const area = rng.uniform(c.erase.area[0], c.erase.area[1]) * H * W;
            const ratio = Math.exp(rng.uniform(Math.log(0.3), Math.log(3.3)));
            h = Math.min(H, Math.max(1, Math.round(Math.sqrt(area * ratio))));
            w = Math.min(W, Math.max(1, Math.round(Math.sqrt(area / ratio))));
          }
          const y0 = rng.int(H - h + 1);
          const x0 = rng.int(W - w + 1);
          box.y0.push(y0);
          box.y1.push(y0 + h);
          box.x0.push(x0);
          box.x1.push(x0 + w);
        }
        const rows = arange(0, H, 1, { dtype: 'float32', device: dev }).reshape(1, 1, H, 1);
        const cols = arange(0, W, 1, { dtype: 'float32', device: dev }).reshape(1, 1, 1, W);
        const inside = rows.ge(col(box.y0)).to('float32').mul(rows.lt(col(box.y1)).to('float32'))
          .mul(cols.ge(col(box.x0)).to('float32')).mul(cols.lt(col(box.x1)).to('float32'));
        out = out.maskedFill(inside.gt(0.5).expand(N, C, H, W), c.erase.value);
      }
      return out === x ? x.clone() : out;
    });
  }

  apply(batch: Batch, rng: Rng): Batch {
    return { ...batch, x: this.images(batch.x, rng) };
  }

  toJSON(): ImageAugmentConfig {
    return JSON.parse(JSON.stringify(this.config));
  }

  static fromJSON(config: ImageAugmentConfig): ImageAugment {
    return new ImageAugment(config);
  }
}
