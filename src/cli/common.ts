// What every data command shares: options, the project folder and its store,
// steps 1 and 2 (the plan), the naive baseline and clean interruption.
import { mkdirSync } from 'node:fs';
import { resolve, join, basename } from 'node:path';
import type { Command } from 'commander';
import { openStore, type Store } from '../store/index.js';
import { prepare, type PrepareOptions } from '../data/prepare.js';
import { checkShares } from './numbers.js';
import type { ArchitectureOptions } from '../steps/architecture.js';
import { makePlan, type Plan as StepsPlan, type CostOptions } from '../steps/plan.js';
import { CLASS_WEIGHT_MODES, type ClassWeightMode } from '../steps/class_balance.js';
import { SAMPLINGS, type Sampling } from '../data/sampler.js';
import { UsageError } from './errors.js';
import { formatLayerTable } from '../models/index.js';
import { CancelFit, type Callback } from '../train/index.js';
import type { Out } from './output.js';
import { foldsAdvice } from './folds_option.js';
import { chooseDevice, parallelDevice, type DeviceChoice } from './device.js';

export interface DataOptions {
  data: string;
  target?: string;
  test?: string;
  project: string;
  seed: string | number;
  splitSeed?: string;
  validationShare?: number;
  testShare?: number;
  json?: boolean;
  lenient?: boolean;
  hidden?: string;
  rule?: 'midpoint' | 'samples';
  alpha?: string;
  classWeights?: string;
  sampling?: string;
  /** --device, on the commands that take it (addDeviceOption); without it a command computes on the CPU. */
  device?: string;
  /** --image-size: image folders' working side (square), instead of the images' own size. */
  imageSize?: number;
}

export function addDataOptions(c: Command): Command {
  return c
    .requiredOption('--data <path>', 'labeled data: CSV/TSV/JSON/NDJSON/Parquet table, IDX images file, or image folder')
    .option('--target <column>', 'column to predict (tables)')
    .option('--test <path>', 'a test set of the same kind, used as is (otherwise 15 % is split off and sealed)')
    .option('--project <dir>', 'project folder: store, split manifest, runs and models', 'sixstep-project')
    .option('--seed <n>', "seed of initialization and shuffles, and of a new project's split", '0')
    .option('--split-seed <n>', "seed of the train/validation/test split (default: the project's saved split whatever seed made it, else --seed); a saved split of another seed is refused")
    .option('--validation-share <share>', 'share of the data split off for validation, in (0, 1) (default 0.15)')
    .option('--test-share <share>', 'share of the data split off and sealed for the test, in (0, 1) (default 0.15; not used with --test)')
    .option('--lenient', 'skip rows with bad values (reported with their lines) instead of stopping')
    .option('--image-size <side>', "image folders: read every image at side × side (default: the images' own size — never upsampled, greyscale kept as one channel; larger than 64 scaled down, by `auto` to what its budget fits)")
    .option('--hidden <widths>', 'hidden layer widths for tables, comma-separated (overrides step 2)')
    .option('--rule <rule>', "tabular hidden width rule: 'midpoint' or 'samples'", 'midpoint')
    .option('--alpha <n>', 'α of the samples rule (2–10)', '5')
    .option('--class-weights <mode>', "classification cost weights: 'none' (default: the loss stays an estimate of the error at the training frequencies) or 'balanced' (n/(k·count) per class, for when rare-class errors cost more)", 'none')
    .option('--sampling <mode>', "how training rows are drawn each epoch (classification): 'natural' (default: each row once) or 'balanced' (classes drawn equally, with replacement, from the seed; the alternative to --class-weights balanced — the measured losses stay unweighted)", 'natural')
    .option('--json', 'print one JSON object on stdout (progress goes to stderr)');
}

export function architectureOptions(o: DataOptions): ArchitectureOptions {
  return { rule: o.rule, alpha: o.alpha ? Number(o.alpha) : undefined, hidden: o.hidden ? o.hidden.split(',').map(Number) : undefined };
}

/** Where the command computes: --device resolved (data-parallel ranks: the CPU); the CPU for commands without the option. */
export function computeDevice(o: DataOptions): DeviceChoice {
  if (o.device === undefined) return { device: 'cpu', reason: 'this command computes on the CPU' };
  return parallelDevice(o) ?? chooseDevice(o);
}

/** The data options as prepare() takes them; the split shares checked together. */
export function prepareOptions(o: DataOptions, projectDir: string, device = computeDevice(o).device): PrepareOptions {
  checkShares(o.validationShare, o.test ? 0 : o.testShare);
  return { data: o.data, target: o.target, test: o.test, projectDir, seed: Number(o.seed), splitSeed: o.splitSeed === undefined ? undefined : Number(o.splitSeed), validationShare: o.validationShare, testShare: o.testShare, lenient: o.lenient, device, imageSize: o.imageSize === undefined ? undefined : Number(o.imageSize) };
}

/** --class-weights and --sampling, checked once at the edge. */
export function costOptions(o: DataOptions): CostOptions {
  const mode = o.classWeights ?? 'none';
  if (!(CLASS_WEIGHT_MODES as readonly string[]).includes(mode)) throw new UsageError(`--class-weights must be one of ${CLASS_WEIGHT_MODES.join(', ')}, got ${JSON.stringify(mode)}`);
  const sampling = o.sampling ?? 'natural';
  if (!(SAMPLINGS as readonly string[]).includes(sampling)) throw new UsageError(`--sampling must be one of ${SAMPLINGS.join(', ')}, got ${JSON.stringify(sampling)}`);
  if (mode === 'balanced' && sampling === 'balanced') throw new UsageError('--class-weights balanced and --sampling balanced both correct the class imbalance: choose one, got both');
  return { classWeights: mode as ClassWeightMode, sampling: sampling as Sampling };
}

/** --sampling balanced draws classes: refused for regression and multilabel targets (exit 2, before training). */
export function checkSampling(o: DataOptions, task: string): void {
  if ((o.sampling ?? 'natural') === 'balanced' && task !== 'binary' && task !== 'multiclass') throw new UsageError(`--sampling balanced draws classes equally and needs a binary or multiclass target, found a ${task} target`);
}

/** The steps-1–2 plan, with the project it lives in. */
export interface Plan extends StepsPlan {
  store: Store;
  projectDir: string;
  datasetName: string;
  /** Where models and batches of this command live (the prepared data's device), and why. */
  device: DeviceChoice;
}

export function openProject(dir: string): { store: Store; projectDir: string } {
  const projectDir = resolve(dir);
  mkdirSync(projectDir, { recursive: true });
  return { store: openStore(projectDir), projectDir };
}

/** Steps 1 and 2 without the store: what data-parallel ranks other than 0 need (they write nothing). */
export async function planOnly(o: DataOptions): Promise<StepsPlan> {
  const projectDir = resolve(o.project);
  const options = prepareOptions(o, projectDir);
  mkdirSync(projectDir, { recursive: true });
  const prepared = await prepare(options);
  checkSampling(o, prepared.task);
  return makePlan(prepared, architectureOptions(o), costOptions(o));
}

/** Steps 1 and 2 on the data, printed; the dataset is recorded in the store. */
export async function plan(o: DataOptions, out: Out, { quiet = false, imageCap }: { quiet?: boolean; imageCap?: PrepareOptions['imageCap'] } = {}): Promise<Plan> {
  // Resolved first: a GPU that cannot be had stops the command before any data is read.
  const device = computeDevice(o);
  const options = { ...prepareOptions(o, resolve(o.project), device.device), imageCap };
  const costs = costOptions(o);
  const { store, projectDir } = openProject(o.project);
  try {
    const prepared = await prepare(options);
    checkSampling(o, prepared.task);
    const { cost, proposal, layers, baseline } = makePlan(prepared, architectureOptions(o), costs);
    const datasetName = basename(o.data);
    store.putDataset({ name: datasetName, path: resolve(o.data), fingerprint: prepared.fingerprint, rows: prepared.counts.train + prepared.counts.validation + prepared.counts.test, schema: prepared.preprocessing.kind === 'image' ? { classes: prepared.classes } : (prepared.preprocessing.schema as any) });
    if (!quiet) {
      out.say(out.color.dim(prepared.describe));
      for (const n of prepared.notes) out.say(out.color.yellow(`note: ${n}`));
      out.say(`splits: ${prepared.counts.train} train, ${prepared.counts.validation} validation, ${prepared.counts.test} test (sealed)${prepared.reusedSplit ? ' — reusing the saved split manifest' : ''}`);
      const advice = foldsAdvice(prepared);
      if (advice) out.say(out.color.yellow(`note: ${advice}`));
      out.step(1, 'cost function');
      out.say(`${out.color.cyan(cost.name)}: ${cost.reason}`);
      out.step(2, 'initial architecture');
      out.say(proposal.reason);
      out.say(formatLayerTable(layers));
      out.say(out.color.dim(`naive baseline to beat: ${baseline.description} — validation loss ${baseline.loss.toPrecision(4)} ${Object.entries(baseline.metrics).map(([k, v]) => `${k} ${v.toPrecision(4)}`).join(' ')}`));
      out.say(`device: ${device.device} — ${device.reason}`);
    }
    return { prepared, cost, proposal, layers, baseline, store, projectDir, datasetName, device };
  } catch (e) {
    store.close();
    throw e;
  }
}

export function planJson(p: Plan): Record<string, unknown> {
  return {
    task: p.prepared.task,
    classes: p.prepared.classes,
    costFunction: p.cost.name,
    costReason: p.cost.reason,
    classBalance: p.cost.balance ? { counts: p.cost.balance.counts, ratio: Number.isFinite(p.cost.balance.ratio) ? p.cost.balance.ratio : null, threshold: p.cost.balance.threshold, imbalanced: p.cost.balance.imbalanced, classWeights: p.cost.balance.mode, weights: p.cost.balance.weights, sampling: p.cost.balance.sampling } : null,
    architecture: p.layers.map((l) => ({ name: l.name, type: l.type, shapes: l.shapes, params: l.params })),
    architectureReason: p.proposal.reason,
    model: p.proposal.spec,
    splits: { ...p.prepared.counts, reused: p.prepared.reusedSplit, leakage: { trainValidation: p.prepared.leakage.trainValidation, trainTest: p.prepared.leakage.trainTest, validationTest: p.prepared.leakage.validationTest, removed: p.prepared.leakage.removed } },
    baseline: p.baseline,
    notes: p.prepared.notes,
    foldsAdvice: foldsAdvice(p.prepared),
    dataFingerprint: p.prepared.fingerprint,
    device: p.device,
  };
}

export function plotsDir(projectDir: string): string {
  const d = join(projectDir, 'plots');
  mkdirSync(d, { recursive: true });
  return d;
}

/** Ctrl-C stops at the end of the current batch: finished epochs are kept. */
export class Interrupt implements Callback {
  readonly name = 'interrupt';
  readonly order = -100;
  requested = false;
  private readonly handler = () => {
    if (this.requested) process.exit(130);
    this.requested = true;
    process.stderr.write('\ninterrupted: stopping after this batch (press Ctrl-C again to quit at once)\n');
  };
  constructor() {
    process.on('SIGINT', this.handler);
  }
  /** Data-parallel ranks must stop together: they read `requested` through the DataParallel callback instead. */
  passive = false;
  afterBatch(): void {
    if (this.requested && !this.passive) throw new CancelFit();
  }
  release(): void {
    process.off('SIGINT', this.handler);
  }
}
