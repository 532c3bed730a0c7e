// In-process inference for image models: verify and load the model directory
// (as the table Predictor does), then decode each image with the training
// decoding (data/image_decode.ts: same resize, channels and byte order), scale
// by 1/255 and normalize with the saved statistics — the training loader's
// exact operations — and answer the top classes with their probabilities.
import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import { loadModelDir, ModelDirError, MANIFEST, type ModelManifest } from '../artifact/index.js';
import { readFileSync } from 'node:fs';
import { buildModel, type ModelSpec } from '../models/index.js';
import { FlipAveraged } from '../models/index.js';
import type { Preprocessing } from '../data/prepare.js';
import { Normalizer, decodeImage, setOwn, type DecodedImage, type Task } from '../data/index.js';
import { tensor, tidy, noGrad } from '../tensor/index.js';
import type { Module } from '../nn/index.js';
import type { Prediction } from './predictor.js';
import { ServeFault } from './errors.js';
import { setImmediate as nextTurn } from 'node:timers/promises';

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
  /** Longest block of network work on the event loop between turns when serving (predictInTurns), in ms; default 50. */
  turnMs?: number;
  newId?: () => string;
}

/**
 * Whether a model directory's manifest says it holds an image model: which
 * loader to use. Only a hint (the loader verifies everything): an unreadable
 * manifest is "not an image model", and the table loader then names its problem.
 */
export function isImageModel(dir: string): boolean {
  try {
    return (JSON.parse(readFileSync(join(resolve(dir), MANIFEST), 'utf8')) as { preprocessing?: { kind?: unknown } } | null)?.preprocessing?.kind === 'image';
  } catch {
    return false;
  }
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
    this.o = { topK: o.topK ?? 5, chunk: Math.max(1, o.chunk ?? 64), device: o.device ?? 'cpu', maxPixels: o.maxPixels ?? 50_000_000, turnMs: Math.max(0, o.turnMs ?? 50), newId: o.newId ?? randomUUID };
  }

  /** Verifies and loads an image model directory; ModelDirError names the bad file. */
  static load(dir: string, o: ImagePredictorOptions = {}): ImagePredictor {
    const abs = resolve(dir);
    const manifestPath = join(abs, MANIFEST);
    const loaded = loadModelDir<ModelSpec>(abs, (spec) => buildModel(spec), {
      accept: (m) => {
        if (m.preprocessing.kind !== 'image') throw new ModelDirError(manifestPath, `holds a ${m.preprocessing.kind} model, not an image model`);
        if (m.task !== 'binary' && m.task !== 'multiclass') throw new ModelDirError(manifestPath, `field task: an image model is binary or multiclass, found ${JSON.stringify(m.task)}`);
      },
    });
    const m = loaded.read.manifest;
    let model = loaded.model;
    try {
      // The model step 5 verified is the one served: flip test-time augmentation when the autopilot chose it.
      if (m.extra?.testTimeAugmentation === 'flip') model = new FlipAveraged(model, m.task === 'binary' ? 'binary' : 'multiclass');
      model.eval();
      if (o.device && o.device !== 'cpu') model.to(o.device);
      return new ImagePredictor(abs, m as ModelManifest<ModelSpec, ImagePreprocessing>, model, loaded.read.modelKey, o);
    } catch (e) {
      model.dispose();
      throw e;
    }
  }

  /** The most pixels one image may have (ImagePredictorOptions.maxPixels). */
  get maxPixels(): number {
    return this.o.maxPixels;
  }

  /** Decodes one image as training did; ImageDecodeError ('unsupported', 'corrupt', 'too-large') otherwise. */
  decode(bytes: Uint8Array): Promise<DecodedImage> {
    const [C, H, W] = this.shape;
    return decodeImage(bytes, { channels: C, height: H, width: W, maxPixels: this.o.maxPixels });
  }

  /** Predictions for decoded images, in order, in one block of the event loop (batch prediction). */
  predictDecoded(images: readonly DecodedImage[]): ImagePrediction[] {
    const out: ImagePrediction[] = [];
    for (let s = 0; s < images.length; s += this.o.chunk) this.predictChunk(images, s, Math.min(images.length, s + this.o.chunk), out);
    return out;
  }

  /**
   * Predictions for decoded images, a few at a time with the event loop
   * turning between them, so a server keeps answering /health and /ready
   * while a 64-image request of a large network runs: each block holds the
   * images measured (so far, on this predictor) to take about `turnMs`.
   */
  async predictInTurns(images: readonly DecodedImage[]): Promise<ImagePrediction[]> {
    const out: ImagePrediction[] = [];
    for (let s = 0; s < images.length; ) {
      if (s > 0) await nextTurn();
      const n = Math.max(1, Math.min(this.o.chunk, Math.floor(this.o.turnMs / this.msPerImage)));
      const end = Math.min(images.length, s + n);
      const t0 = performance.now();
      this.predictChunk(images, s, end, out);
      const per = (performance.now() - t0) / (end - s);
      this.msPerImage = this.msPerImage === Infinity ? per : 0.8 * this.msPerImage + 0.2 * per;
      s = end;
    }
    return out;
  }

  /** Milliseconds one image takes through the network here (a running average; Infinity before the first). */
  private msPerImage = Infinity;

  private predictChunk(images: readonly DecodedImage[], start: number, end: number, out: ImagePrediction[]): void {
    const model = this.model;
    if (!model) throw new Error('the predictor was disposed');
    const [C, H, W] = this.shape;
    const per = C * H * W;
    const n = end - start;
    const bytes = new Uint8Array(n * per);
    for (let i = 0; i < n; i++) bytes.set(images[start + i].pixels, i * per);
    const { values, width } = tidy(() =>
      noGrad(() => {
        let x = tensor(bytes, { shape: [n, C, H, W], dtype: 'uint8' });
        if (this.o.device !== 'cpu') x = x.to(this.o.device);
        // The loader's operations, in its order: bytes → float32 × 1/255 → per-channel normalization.
        const scale = 1 / 255;
        const y = model.forward(this.normalizer.apply(x.to('float32').mul(scale), scale));
        const p = this.task === 'binary' ? y.reshape(n, 1).sigmoid() : y.softmax(1);
        return { values: p.to('float64').to('cpu').data() as Float64Array, width: p.shape[1] };
      }),
    );
    for (let i = 0; i < n; i++) {
      const v = values.subarray(i * width, (i + 1) * width);
      // Never a null probability: the model, not the image, is at fault (the pixels are bytes, always in range).
      for (let k = 0; k < width; k++) if (!Number.isFinite(v[k])) throw new ServeFault(500, 'non-finite-output', `image ${start + i}: the model's output is not finite (${v[k]}); this model cannot answer it`);
      out.push(this.describe(v));
    }
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
    c.forEach((name, k) => setOwn(probabilities, name, probs[k]));
    const order = c.map((_, k) => k).sort((a, b) => probs[b] - probs[a]);
    const top = order.slice(0, Math.min(this.o.topK, c.length)).map((k) => ({ label: c[k], probability: probs[k] }));
    return { id: this.o.newId(), label: c[order[0]], probabilities, top };
  }

  dispose(): void {
    this.model?.dispose();
    this.model = null;
  }
}
