// loadModel(): a model directory written by fit or auto, loaded as `sixstep
// predict` and `serve` load it (checksums and manifest verified, the
// architecture rebuilt by our own code, the training preprocessing), with
// one typed predict() for tables (rows as objects) and images (file paths or
// bytes). dispose() releases the model's native tensors.
import { readFileSync } from 'node:fs';
import { Predictor, ImagePredictor, isImageModel, type Prediction, type ImagePrediction, type InputField } from '../serve/index.js';
import { DataError, ImageDecodeError, type DecodedImage, type Task } from '../data/index.js';
import { chooseDevice } from '../cli/device.js';
import { UsageError } from '../cli/errors.js';
import { checkedNumber } from './options.js';

export interface LoadModelOptions {
  /** Where the model computes: 'auto' (a GPU when there is one), 'cpu', 'cuda' or 'cuda:<index>'. Default 'auto'. */
  device?: string;
  /** Image models: classes listed in `top`, best first. Default 5. */
  top?: number;
}

/** One table row: a value for every input column (null or a missing token such as "NA" for a missing value); other fields are ignored. */
export type TableRow = Readonly<Record<string, string | number | boolean | null>>;
/** One image: a file path, or the file's bytes (PNG, JPEG, WebP, GIF or TIFF). */
export type ImageInput = string | Uint8Array;

interface PredictionBase {
  /** Identifies the prediction (the server's feedback refers to it). */
  id: string;
}
/** Binary and multiclass: the most probable class, and every class's probability. */
export interface ClassPrediction extends PredictionBase {
  task: 'binary' | 'multiclass';
  prediction: string;
  probabilities: Record<string, number>;
  /** Image models: the most probable classes, best first. */
  top?: Array<{ label: string; probability: number }>;
}
/** Multilabel: the labels with probability ≥ 0.5, and every label's probability. */
export interface LabelsPrediction extends PredictionBase {
  task: 'multilabel';
  prediction: string[];
  probabilities: Record<string, number>;
}
/** Regression: the value in the target's units. */
export interface ValuePrediction extends PredictionBase {
  task: 'regression';
  prediction: number;
  probabilities: null;
}
export type ModelPrediction = ClassPrediction | LabelsPrediction | ValuePrediction;

/** One prediction per input, in order (a tuple in, a tuple out). */
export type Predictions<R extends readonly unknown[]> = { -readonly [K in keyof R]: ModelPrediction };

export interface Model {
  /** Absolute path of the model directory. */
  readonly dir: string;
  /** What the model takes: rows of a table, or images. */
  readonly input: 'table' | 'image';
  readonly task: Task;
  /** Class (or label) names in output order; null for regression. */
  readonly classes: string[] | null;
  /** Tables: the columns every row must carry, with their kinds; images: empty. */
  readonly fields: InputField[];
  /** Where the model computes, and why. */
  readonly device: { device: string; reason: string };
  /** Predictions for rows (tables) or images. Bad input throws InputError (rows) or DataError (images), naming what and where. */
  predict<const R extends readonly TableRow[] | readonly ImageInput[]>(inputs: R): Promise<Predictions<R>>;
  /** Releases the model's native tensors; predicting afterwards throws. */
  dispose(): void;
}

function fromTable(task: Task, p: Prediction): ModelPrediction {
  if (task === 'regression') return { id: p.id, task, prediction: p.value!, probabilities: null };
  if (task === 'multilabel') return { id: p.id, task, prediction: p.labels!, probabilities: p.probabilities! };
  return { id: p.id, task, prediction: p.label!, probabilities: p.probabilities! };
}

function fromImage(task: Task, p: ImagePrediction): ModelPrediction {
  return { id: p.id, task: task === 'binary' ? 'binary' : 'multiclass', prediction: p.label!, probabilities: p.probabilities!, top: p.top };
}

function tableModel(dir: string, device: { device: string; reason: string }): Model {
  const predictor = Predictor.load(dir, { device: device.device });
  return {
    dir: predictor.dir,
    input: 'table',
    task: predictor.task,
    classes: predictor.classes,
    fields: predictor.fields,
    device,
    async predict(inputs) {
      return predictor.predict(inputs).map((p) => fromTable(predictor.task, p)) as never;
    },
    dispose: () => predictor.dispose(),
  };
}

function imageModel(dir: string, device: { device: string; reason: string }, top: number | undefined): Model {
  const predictor = ImagePredictor.load(dir, { device: device.device, topK: top });
  return {
    dir: predictor.dir,
    input: 'image',
    task: predictor.task,
    classes: predictor.classes,
    fields: [],
    device,
    async predict(inputs) {
      if (!Array.isArray(inputs)) throw new UsageError(`predict expects an array of image file paths or bytes, found ${typeof inputs}`);
      const decoded: DecodedImage[] = [];
      for (const [i, x] of (inputs as readonly unknown[]).entries()) {
        const file = typeof x === 'string' ? x : `<image ${i}>`;
        if (typeof x !== 'string' && !(x instanceof Uint8Array)) throw new DataError(file, 0, 'an image file path or its bytes', JSON.stringify(x) ?? typeof x);
        try {
          decoded.push(await predictor.decode(typeof x === 'string' ? readFileSync(x) : x));
        } catch (e) {
          if (e instanceof ImageDecodeError) throw new DataError(file, 0, 'a PNG, JPEG, WebP, GIF or TIFF image', e.message);
          throw e;
        }
      }
      return predictor.predictDecoded(decoded).map((p) => fromImage(predictor.task, p)) as never;
    },
    dispose: () => predictor.dispose(),
  };
}

/** Loads a model directory (fit's or auto's `modelDir`); ModelDirError names a corrupted or foreign one. */
export async function loadModel(dir: string, o: LoadModelOptions = {}): Promise<Model> {
  if (typeof dir !== 'string' || dir === '') throw new UsageError(`required option '--model <dir>' not specified`);
  const top = checkedNumber('top', o.top);
  const device = chooseDevice({ device: o.device ?? 'auto' });
  return isImageModel(dir) ? imageModel(dir, device, top) : tableModel(dir, device);
}
