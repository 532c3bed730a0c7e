// The API's options are the command line's, typed: the same names (camelCase
// of the flags), the same defaults, and the same checks with the same
// messages — each value is turned into what the CLI's parser would have made
// of its flag, then checked by the CLI's own code (cli/numbers.ts,
// cli/common.ts, …). A refusal is a UsageError naming the flag.
import { NUMERIC_OPTIONS, parseNumber } from '../cli/numbers.js';
import { UsageError } from '../cli/errors.js';
import type { DataOptions as CliDataOptions } from '../cli/common.js';
import type { PretrainedCliOptions } from '../cli/pretrained.js';
import type { OptimisingMetric } from '../metrics/index.js';
import { CancelFit, type Callback } from '../train/index.js';
import type { Decision } from '../steps/decisions.js';

/** What every data entry takes (plan, fit, auto): `sixstep plan`'s options. */
export interface DataOptions {
  /** Labeled data: a CSV/TSV/JSON/NDJSON/Parquet table, an IDX images file, or an image folder. */
  data: string;
  /** The column to predict (tables). */
  target?: string;
  /** A test set of the same kind, used as is (otherwise 15 % is split off and sealed). */
  test?: string;
  /** Project folder: store, split manifest, runs and models. Default 'sixstep-project'. */
  project?: string;
  /** Seed of initialization and shuffles, and of a new project's split. Default 0. */
  seed?: number;
  /** Seed of the split; default the project's saved split, else `seed`. */
  splitSeed?: number;
  /** Shares in (0, 1) split off for validation and for the sealed test; default 0.15 each. */
  validationShare?: number;
  testShare?: number;
  /** How rows are split: 'random' (default; stratified by class) or 'time:<column>' (docs/splits.md). */
  splitBy?: string;
  /** Split by this column's values (a patient, a user): each in one split only; the column is then not a feature. */
  group?: string;
  /** Also remove held-out rows equal to a training row up to case, punctuation, spaces and 3 significant digits. */
  dropNearDuplicates?: boolean;
  /** Write every data row's split to this CSV file. */
  assignments?: string;
  /** Skip (and report) rows with bad values instead of stopping. */
  lenient?: boolean;
  /** Columns left out of the model (`--ignore`). */
  ignore?: string[];
  /** Kinds forced on columns (`--kind col=kind`); 'identifier' leaves the column out. */
  kinds?: Record<string, 'numeric' | 'categorical' | 'text' | 'identifier' | 'datetime'>;
  /** Hidden layer widths for tables (overrides step 2). */
  hidden?: number[];
  /** Tabular hidden width rule. Default 'midpoint'. */
  rule?: 'midpoint' | 'samples';
  /** α of the samples rule, 2–10. Default 5. */
  alpha?: number;
  /** Classification cost weights. Default 'none'. */
  classWeights?: 'none' | 'balanced';
  /** How training rows are drawn each epoch (classification). Default 'natural'. */
  sampling?: 'natural' | 'balanced';
}

/** What the training entries add (fit, auto): the options both commands share. */
export interface TrainOptions extends DataOptions {
  /** Where to compute: 'auto' (a GPU when there is one), 'cpu', 'cuda' or 'cuda:<index>'. Default 'auto'. */
  device?: string;
  /** The optimising metric that decides which model is best. Default 'loss'. */
  metric?: OptimisingMetric;
  /** Images: a comma-separated list of transforms, 'none' or 'auto' (fit's default 'none', auto's 'auto'). */
  augment?: string;
  /** Tables: k cross-validation folds of the non-test rows. */
  folds?: number;
  /** Images: fine-tune a torchvision-named ResNet from this safetensors file. */
  pretrained?: string;
  /** With `pretrained`: resnet18, resnet34 or resnet50 (default: recognized from the file). */
  arch?: string;
  /** With `pretrained`: epochs training the head alone. Default 1. */
  freezeEpochs?: number;
  /** With `pretrained`: side, or 'HxW', of the images the backbone sees. */
  inputSize?: number | string;
  /** With `pretrained`: the normalization the weights were trained with (default ImageNet's). */
  inputMean?: [number, number, number];
  inputStd?: [number, number, number];
  /** Continue the newest unfinished run of this data. Default false. */
  resume?: boolean;
  /** Stops the run after the current batch (it can be resumed): the call then rejects with RunInterrupted. */
  signal?: AbortSignal;
  /** Each decision as it is made (the CLI prints them). */
  onDecision?: (d: Decision) => void;
}

const flagOf = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** A numeric option checked as the command line checks its flag (range, integer, list). */
export function checkedNumber(key: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const flag = flagOf(key);
  const rule = NUMERIC_OPTIONS[flag];
  if (!rule) throw new Error(`${flag} has no numeric rule`);
  return parseNumber(flag, rule)(String(value)) as number;
}

/** A text option: a string when given (JavaScript callers are not held by the types). */
function checkedText(key: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new UsageError(`${flagOf(key)} expects text, found ${JSON.stringify(value)}`);
  return value;
}

function checkedList(key: string, value: unknown, n?: number): string | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || (n !== undefined && value.length !== n)) throw new UsageError(`${flagOf(key)} expects ${n === undefined ? 'a list of' : n} numbers, found ${JSON.stringify(value)}`);
  return value.join(',');
}

function checkedNames(key: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((c) => typeof c !== 'string' || c === '' || c.includes(','))) throw new UsageError(`${flagOf(key)} expects a list of column names, found ${JSON.stringify(value)}`);
  return value.join(',');
}

function checkedRecord(key: string, value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError(`${flagOf(key)} expects an object of column: kind, found ${JSON.stringify(value)}`);
  return value as Record<string, string>;
}

/** The options the command line would have parsed from the same flags. */
export function cliDataOptions(o: DataOptions): CliDataOptions {
  if (!o || typeof o.data !== 'string' || o.data === '') throw new UsageError("required option '--data <path>' not specified");
  const hidden = checkedList('hidden', o.hidden);
  if (hidden !== undefined) checkedNumber('hidden', hidden);
  return {
    data: o.data,
    target: checkedText('target', o.target),
    test: checkedText('test', o.test),
    project: checkedText('project', o.project) ?? 'sixstep-project',
    seed: checkedNumber('seed', o.seed) ?? 0,
    splitSeed: o.splitSeed === undefined ? undefined : String(checkedNumber('splitSeed', o.splitSeed)),
    validationShare: checkedNumber('validationShare', o.validationShare),
    testShare: checkedNumber('testShare', o.testShare),
    splitBy: checkedText('splitBy', o.splitBy),
    group: checkedText('group', o.group),
    dropNearDuplicates: o.dropNearDuplicates,
    assignments: checkedText('assignments', o.assignments),
    lenient: o.lenient,
    ignore: checkedNames('ignore', o.ignore),
    kind: o.kinds === undefined ? undefined : Object.entries(checkedRecord('kinds', o.kinds)).map(([c, k]) => `${c}=${k}`),
    hidden,
    rule: (checkedText('rule', o.rule) ?? 'midpoint') as 'midpoint' | 'samples',
    alpha: String(checkedNumber('alpha', o.alpha) ?? 5),
    classWeights: checkedText('classWeights', o.classWeights) ?? 'none',
    sampling: checkedText('sampling', o.sampling) ?? 'natural',
    json: true,
  };
}

/** The training options as the command line holds them, with `--device` defaulting to auto as there. */
export function cliTrainOptions(o: TrainOptions): CliDataOptions & PretrainedCliOptions & { metric?: string; augment?: string; folds?: number } {
  return {
    ...cliDataOptions(o),
    device: checkedText('device', o.device) ?? 'auto',
    metric: checkedText('metric', o.metric),
    augment: checkedText('augment', o.augment),
    folds: checkedNumber('folds', o.folds),
    pretrained: checkedText('pretrained', o.pretrained),
    arch: checkedText('arch', o.arch),
    freezeEpochs: o.freezeEpochs === undefined ? undefined : String(checkedNumber('freezeEpochs', o.freezeEpochs)),
    inputSize: o.inputSize === undefined ? undefined : String(o.inputSize),
    inputMean: checkedList('inputMean', o.inputMean, 3),
    inputStd: checkedList('inputStd', o.inputStd, 3),
  };
}

/** An AbortSignal as the loop's interruption: the current batch ends, then the run stops (resumable). */
export function abortCallback(signal: AbortSignal | undefined): { callbacks: Callback[]; interrupted: () => boolean } {
  if (!signal) return { callbacks: [], interrupted: () => false };
  return {
    callbacks: [
      {
        name: 'abort',
        order: -100,
        afterBatch() {
          if (signal.aborted) throw new CancelFit();
        },
      },
    ],
    interrupted: () => signal.aborted,
  };
}
