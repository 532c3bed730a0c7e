// In-process inference for image models: verify and load the model directory
// (as the table Predictor does), then decode each image with the training
// decoding (data/image_decode.ts: same resize, channels and byte order), scale
// by 1/255 and normalize with the saved statistics — the training loader's
// exact operations — and answer the top classes with their probabilities.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readModelDir, ModelDirError, CHECKSUMS, MANIFEST, type ModelManifest } from '../artifact/index.js';
import { buildModel, type ModelSpec } from '../models/index.js';
import { FlipAveraged } from '../models/index.js';
import type { Preprocessing } from '../data/prepare.js';
import { Normalizer, decodeImage, type DecodedImage, type Task } from '../data/index.js';
import { tensor, tidy, noGrad } from '../tensor/index.js';
import type { Module } from '../nn/index.js';
import type { Prediction } from './predictor.js';

export type ImagePreprocessing = Extract<Preprocessing, { kind: 'image' }>;

export interface ImagePrediction extends Prediction {
  /** The most probable classes, best first. */
  top: Array<{ label: string; probability: number }>;
}

export interface ImagePredictorOptions {
  /** Classes listed in `top`; default 5 (at most the number of classes). */
  topK?: number;
  /** Images per forward pass; default 64. */
  chunk?: number;
  /** Where the model runs ('cpu', 'cuda:0'); default 'cpu'. */
  device?: string;
  /** Refuse images with more pixels than this before decoding; default 50 M. */
  maxPixels?: number;
  newId?: () => string;
}

/** Whether a model directory holds an image model (after verifying it). */
export function isImageModel(dir: string): boolean {
  return readModelDir<ModelSpec, Preprocessing>(resolve(dir)).manifest.preprocessing?.kind === 'image';
}

export class ImagePredictor {
  readonly dir: string;
  readonly manifest: ModelManifest<ModelSpec, ImagePreprocessing>;
  readonly modelKey: string;
  readonly task: Task;
  readonly classes: string[];
  /** [channels, height, width] the model takes. */
  readonly shape: [number, number, number];
  readonly normalizer: Normalizer;
  readonly metric = 'accuracy' as const;
  private model: Module | null;
  private readonly o: Required<Omit<ImagePredictorOptions, 'newId'>> & { newId: () => string };

  private constructor(dir: string, manifest: ModelManifest<ModelSpec, ImagePreprocessing>, model: Module, modelKey: string, o: ImagePredictorOptions) {
    this.dir = dir;
    this.manifest = manifest;
    this.model = model;
    this.modelKey = modelKey;
    this.task = manifest.task as Task;
    this.classes = manifest.preprocessing.classes;
    this.shape = manifest.preprocessing.shape;
    this.normalizer = Normalizer.fromJSON(manifest.preprocessing.normalizer);
    this.o = { topK: o.topK ?? 5, chunk: Math.max(1, o.chunk ?? 64), device: o.device ?? 'cpu', maxPixels: o.maxPixels ?? 50_000_000, newId: o.newId ?? randomUUID };
  }

  /** Verifies and loads an image model directory; ModelDirError names the bad file. */
  static load(dir: string, o: ImagePredictorOptions = {}): ImagePredictor {
    const abs = resolve(dir);
    const read = readModelDir<ModelSpec, Preprocessing>(abs);
    const m = read.manifest;
    const manifestPath = join(abs, MANIFEST);
    const pre = m.preprocessing;
    if (pre?.kind !== 'image') throw new ModelDirError(manifestPath, `holds a ${pre?.kind ?? 'unknown'} model, not an image model`);
    if (!Array.isArray(pre.shape) || pre.shape.length !== 3 || !pre.normalizer || !Array.isArray(pre.classes)) throw new ModelDirError(manifestPath, 'its image preprocessing lacks shape, normalizer or classes');
    if (m.task !== 'binary' && m.task !== 'multiclass') throw new ModelDirError(manifestPath, `image task ${JSON.stringify(m.task)} is not binary or multiclass`);
    const modelKey = (JSON.parse(readFileSync(join(abs, CHECKSUMS), 'utf8')) as Record<string, string>)[MANIFEST];
    let model: Module;
    try {
      model = buildModel(m.architecture);
    } catch (e) {
      throw new ModelDirError(manifestPath, `its architecture cannot be built: ${(e as Error).message}`);
    }
    try {
      read.loadWeights(model);
      // The model step 5 verified is the one served: flip test-time augmentation when the autopilot chose it.
      const tta = m.extra?.testTimeAugmentation;
      if (tta !== undefined && tta !== null && tta !== 'flip') throw new ModelDirError(manifestPath, `extra.testTimeAugmentation must be "flip" or null, found ${JSON.stringify(tta)}`);
      if (tta === 'flip') model = new FlipAveraged(model, m.task === 'binary' ? 'binary' : 'multiclass');
      model.eval();
      if (o.device && o.device !== 'cpu') model.to(o.device);
      return new ImagePredictor(abs, m as ModelManifest<ModelSpec, ImagePreprocessing>, model, modelKey, o);
    } catch (e) {
      model.dispose();
      throw e;
    }
  }

  /** Decodes one image as training did; ImageDecodeError ('unsupported', 'corrupt', 'too-large') otherwise. */
  decode(bytes: Uint8Array): Promise<DecodedImage> {
    const [C, H, W] = this.shape;
    return decodeImage(bytes, { channels: C, height: H, width: W, maxPixels: this.o.maxPixels });
  }

  /** Predictions for decoded images, in order. */
  predictDecoded(images: readonly DecodedImage[]): ImagePrediction[] {
    const model = this.model;
    if (!model) throw new Error('the predictor was disposed');
    const [C, H, W] = this.shape;
    const per = C * H * W;
    const out: ImagePrediction[] = [];
    for (let s = 0; s < images.length; s += this.o.chunk) {
      const part = images.slice(s, s + this.o.chunk);
      const bytes = new Uint8Array(part.length * per);
      part.forEach((im, i) => bytes.set(im.pixels, i * per));
      const { values, width } = tidy(() =>
        noGrad(() => {
          let x = tensor(bytes, { shape: [part.length, C, H, W], dtype: 'uint8' });
          if (this.o.device !== 'cpu') x = x.to(this.o.device);
          // The loader's operations, in its order: bytes → float32 × 1/255 → per-channel normalization.
          const scale = 1 / 255;
          const y = model.forward(this.normalizer.apply(x.to('float32').mul(scale), scale));
          const p = this.task === 'binary' ? y.reshape(part.length, 1).sigmoid() : y.softmax(1);
          return { values: p.to('float64').to('cpu').data() as Float64Array, width: p.shape[1] };
        }),
      );
      for (let i = 0; i < part.length; i++) out.push(this.describe(values.subarray(i * width, (i + 1) * width)));
    }
    return out;
  }

  /** Decodes and predicts; the first bad image throws. */
  async predictBytes(list: readonly Uint8Array[]): Promise<ImagePrediction[]> {
    const decoded: DecodedImage[] = [];
    for (const b of list) decoded.push(await this.decode(b));
    return this.predictDecoded(decoded);
  }

  private describe(v: Float64Array): ImagePrediction {
    const c = this.classes;
    const probs = this.task === 'binary' ? [1 - v[0], v[0]] : Array.from(v);
    const probabilities: Record<string, number> = {};
    c.forEach((name, k) => (probabilities[name] = probs[k]));
    const order = c.map((_, k) => k).sort((a, b) => probs[b] - probs[a]);
    const top = order.slice(0, Math.min(this.o.topK, c.length)).map((k) => ({ label: c[k], probability: probs[k] }));
    return { id: this.o.newId(), label: c[order[0]], probabilities, top };
  }

  dispose(): void {
    this.model?.dispose();
    this.model = null;
  }
}
