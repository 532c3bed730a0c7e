// Standardization whose statistics come from training data only, computed
// with libtorch reductions, stored as plain numbers so it can be saved next
// to a model and applied unchanged to validation, test and inference inputs.
import { tensor, tidy, type Tensor } from '../tensor/index.js';

export interface NormalizerJSON {
  /** 'feature': one mean/std per column of an [N, D] matrix; 'channel': one per channel of [N, C, H, W] images. */
  axis: 'feature' | 'channel';
  mean: number[];
  std: number[];
  /** Images are multiplied by this before normalizing (1/255 for bytes). */
  scale: number;
}

// A column with (near) zero spread is left unscaled rather than divided by ~0.
const MIN_STD = 1e-12;

export class Normalizer {
  readonly axis: 'feature' | 'channel';
  readonly mean: number[];
  readonly std: number[];
  readonly scale: number;

  private constructor(j: NormalizerJSON) {
    this.axis = j.axis;
    this.mean = j.mean;
    this.std = j.std.map((s) => (s > MIN_STD && Number.isFinite(s) ? s : 1));
    this.scale = j.scale;
  }

  /**
   * Fits per-column mean and population std of an [n, d] row-major matrix
   * (the training rows). Columns not listed in `columns` keep mean 0, std 1
   * (indicators and one-hot columns stay 0/1).
   */
  static fitMatrix(x: Float32Array, n: number, d: number, columns?: number[]): Normalizer {
    const { mean, std } = tidy(() => {
      if (n === 0) return { mean: new Array(d).fill(0), std: new Array(d).fill(1) };
      const t = tensor(x.subarray(0, n * d), { shape: [n, d] }).to('float64');
      return { mean: t.mean(0).toArray(), std: t.std(0, { unbiased: false }).toArray() };
    });
    if (columns) {
      const keep = new Set(columns);
      for (let j = 0; j < d; j++) if (!keep.has(j)) (mean[j] = 0), (std[j] = 1);
    }
    return new Normalizer({ axis: 'feature', mean, std, scale: 1 });
  }

  /** Fits per-channel mean/std of [N, C, H, W] images (training images only), in chunks so memory stays small. */
  static fitChannels(images: Uint8Array | Float32Array, shape: [number, number, number, number], scale = images instanceof Uint8Array ? 1 / 255 : 1): Normalizer {
    const [N, C, H, W] = shape;
    const per = C * H * W;
    const sum = new Float64Array(C);
    const sq = new Float64Array(C);
    const chunk = Math.max(1, Math.floor((1 << 22) / Math.max(1, per)));
    for (let s = 0; s < N; s += chunk) {
      const m = Math.min(chunk, N - s);
      tidy(() => {
        const t = tensor(images.subarray(s * per, (s + m) * per), { shape: [m, C, H, W] }).to('float64').mul(scale);
        const a = t.sum([0, 2, 3]).toArray();
        const b = t.square().sum([0, 2, 3]).toArray();
        for (let c = 0; c < C; c++) (sum[c] += a[c]), (sq[c] += b[c]);
      });
    }
    const count = N * H * W;
    const mean = Array.from(sum, (v) => (count ? v / count : 0));
    const std = Array.from(sq, (v, c) => (count ? Math.sqrt(Math.max(0, v / count - mean[c] * mean[c])) : 1));
    return new Normalizer({ axis: 'channel', mean, std, scale });
  }

  /**
   * (x·scale − mean) / std, broadcast over [N, D] or [N, C, H, W]; returns a
   * new float32 tensor. `inputScale`: what x was already multiplied by (a
   * loader that turned bytes into [0, 1] passes 1/255), so it is not scaled twice.
   */
  apply(x: Tensor, inputScale = 1): Tensor {
    return tidy(() => {
      const shape = this.axis === 'feature' ? [1, this.mean.length] : [1, this.mean.length, 1, 1];
      const mean = tensor(Float32Array.from(this.mean), { shape, device: x.device });
      const std = tensor(Float32Array.from(this.std), { shape, device: x.device });
      const f = x.dtype === 'float32' ? x : x.to('float32');
      const factor = this.scale / inputScale;
      return (Math.abs(factor - 1) < 1e-12 ? f : f.mul(factor)).sub(mean).div(std);
    });
  }

  /**
   * apply() on a row-major [n, d] matrix in memory, in chunks so a large
   * matrix never has several full-size copies alive. Returns a new array, or
   * overwrites `x` when inPlace is true.
   */
  applyArray(x: Float32Array, n: number, inPlace = false): Float32Array {
    const d = this.mean.length;
    const out = inPlace ? x : new Float32Array(n * d);
    const chunk = Math.max(1, Math.floor((1 << 20) / Math.max(1, d)));
    tidy(() => {
      const mean = tensor(Float32Array.from(this.mean), { shape: [1, d] });
      const std = tensor(Float32Array.from(this.std), { shape: [1, d] });
      for (let s = 0; s < n; s += chunk) {
        const m = Math.min(chunk, n - s);
        tidy(() => {
          const t = tensor(x.subarray(s * d, (s + m) * d), { shape: [m, d] });
          if (this.scale !== 1) t.mul_(this.scale);
          out.set(t.sub_(mean).div_(std).data() as Float32Array, s * d);
        });
      }
    });
    return out;
  }

  toJSON(): NormalizerJSON {
    return { axis: this.axis, mean: this.mean.slice(), std: this.std.slice(), scale: this.scale };
  }

  static fromJSON(j: NormalizerJSON): Normalizer {
    return new Normalizer({ axis: j.axis, mean: j.mean.slice(), std: j.std.slice(), scale: j.scale ?? 1 });
  }
}
