// What every data command shares: options, the project folder and its store,
// steps 1 and 2 (the plan), the naive baseline and clean interruption.
import { mkdirSync } from 'node:fs';
import { resolve, join } from 'node:path';
import type { Command } from 'commander';
import { prepare, type PrepareOptions, type Prepared } from '../data/prepare.js';
import { parseSplitBy, splitByFlag, type SplitBy } from '../data/split_by.js';
import { assignmentsCsv } from '../data/assignments.js';
import { writeAtomic } from '../files/index.js';
import { checkShares } from './numbers.js';
import type { ArchitectureOptions } from '../steps/architecture.js';
import { makePlan, type Plan as StepsPlan, type CostOptions } from '../steps/plan.js';
import { CLASS_WEIGHT_MODES, type ClassWeightMode } from '../steps/class_balance.js';
import { SAMPLINGS, type Sampling } from '../data/sampler.js';
import { OVERRIDE_KINDS, type OverrideKind } from '../data/column_overrides.js';
import { UsageError } from './errors.js';
import { formatLayerTable } from '../models/index.js';
import { CancelFit, type Callback } from '../train/index.js';
import type { Out } from './output.js';
import { openPlan, openProject, type PlanOptions, type ProjectPlan } from '../pipeline/project.js';
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
  splitBy?: string;
  group?: string;
  dropNearDuplicates?: boolean;
  assignments?: string;
  /** --ignore: columns left out of the model, comma-separated. */
  ignore?: string;
  /** --kind: <column>=<kind>, repeatable or comma-separated. */
  kind?: string[];
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
    .option('--split-by <how>', "how rows are split: 'random' (default; stratified by class) or 'time:<column>' (the earliest rows train, the next validate, the latest test; folds chain forward in time) — see docs/splits.md")
    .option('--group <column>', 'split by this column: each of its values (a patient, a user) in one split and one fold only; the column is then not a feature')
    .option('--drop-near-duplicates', 'also remove held-out rows equal to a training row up to case, punctuation, spaces and 3 significant digits (exact copies are always removed)')
    .option('--assignments <file.csv>', 'write every data row\'s split: line,split,reason,row (line as in error messages, header = line 1; dropped rows say why)')
    .option('--image-size <side>', "image folders: read every image at side × side (default: the images' own size — never upsampled, greyscale kept as one channel; larger than 64 scaled down, by `auto` to what its budget fits)")
    .option('--lenient', 'skip rows with bad values (reported with their lines) instead of stopping; with --split-by time, leave rows without a time out of every split')
    .option('--hidden <widths>', 'hidden layer widths for tables, comma-separated (overrides step 2)')
    .option('--rule <rule>', "tabular hidden width rule: 'midpoint' or 'samples'", 'midpoint')
    .option('--alpha <n>', 'α of the samples rule (2–10)', '5')
    .option('--class-weights <mode>', "classification cost weights: 'none' (default: the loss stays an estimate of the error at the training frequencies) or 'balanced' (n/(k·count) per class, for when rare-class errors cost more)", 'none')
    .option('--sampling <mode>', "how training rows are drawn each epoch (classification): 'natural' (default: each row once) or 'balanced' (classes drawn equally, with replacement, from the seed; the alternative to --class-weights balanced — the measured losses stay unweighted)", 'natural')
    .option('--ignore <columns>', 'tables: columns to leave out of the model, comma-separated (recorded in the split manifest)')
    .option('--kind <column=kind>', `tables: force a column's kind, ${OVERRIDE_KINDS.join('|')} (identifier leaves it out); repeat the option or separate with commas`, collect, [])
    .option('--json', 'print one JSON object on stdout (progress goes to stderr)');
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** --ignore and --kind, checked at the edge: names present, kinds known, no column given twice (their columns are checked against the data in prepare). */
export function columnOptions(o: Pick<DataOptions, 'ignore' | 'kind'>): { ignore?: string[]; kinds?: Record<string, OverrideKind> } {
  const ignore = o.ignore === undefined ? undefined : o.ignore.split(',').map((c) => c.trim());
  if (ignore?.some((c) => c === '')) throw new UsageError(`--ignore takes column names separated by commas, got ${JSON.stringify(o.ignore)}`);
  const kinds: Record<string, OverrideKind> = Object.create(null); // any column name, __proto__ included
  for (const entry of (o.kind ?? []).flatMap((k) => k.split(','))) {
    const at = entry.lastIndexOf('=');
    const [column, kind] = at > 0 ? [entry.slice(0, at).trim(), entry.slice(at + 1).trim()] : ['', ''];
    if (!column || !(OVERRIDE_KINDS as readonly string[]).includes(kind)) throw new UsageError(`--kind takes <column>=<${OVERRIDE_KINDS.join('|')}>, got ${JSON.stringify(entry)}`);
    if (kinds[column] !== undefined && kinds[column] !== kind) throw new UsageError(`--kind gives column ${JSON.stringify(column)} two kinds: ${kinds[column]} and ${kind}`);
    kinds[column] = kind as OverrideKind;
  }
  return { ...(ignore ? { ignore } : {}), ...(Object.keys(kinds).length ? { kinds } : {}) };
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
/** --split-by and --group, checked once at the edge. */
function splitByOf(o: DataOptions): SplitBy | undefined {
  const splitBy = parseSplitBy(o.splitBy, o.group);
  if (typeof splitBy === 'string') throw new UsageError(splitBy);
  return splitBy;
}

export function prepareOptions(o: DataOptions, projectDir: string, device = computeDevice(o).device): PrepareOptions {
  checkShares(o.validationShare, o.test ? 0 : o.testShare);
  const splitBy = splitByOf(o);
  return { data: o.data, target: o.target, test: o.test, projectDir, seed: Number(o.seed), splitSeed: o.splitSeed === undefined ? undefined : Number(o.splitSeed), validationShare: o.validationShare, testShare: o.testShare, lenient: o.lenient, device, splitBy, dropNearDuplicates: o.dropNearDuplicates, ...columnOptions(o), imageSize: o.imageSize === undefined ? undefined : Number(o.imageSize) };
}

/** --assignments: every row's split as CSV (the file is written whole or not at all). */
function writeAssignments(o: DataOptions, p: Prepared): string | null {
  if (!o.assignments) return null;
  if (!p.assignments) throw new UsageError(`--assignments lists rows of a table or image set, and ${o.data} gave none`);
  const path = resolve(o.assignments);
  writeAtomic(path, assignmentsCsv(p.assignments));
  return path;
}

/** The plan's warnings as printed lines. */
export function findingLines(p: Prepared): string[] {
  return (p.findings ?? []).map((f) => `warning (${f.kind}${f.column === null ? '' : `, ${JSON.stringify(f.column)}`}): ${f.message}`);
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

/** The steps-1–2 plan, with the project it lives in (pipeline/project.ts). */
export type Plan = ProjectPlan;

export { openProject };

/** The plan options of the library (pipeline/project.ts), from the command line. */
export function planOptions(o: DataOptions, device: DeviceChoice): PlanOptions {
  checkShares(o.validationShare, o.test ? 0 : o.testShare);
  return { data: o.data, target: o.target, test: o.test, project: o.project, seed: Number(o.seed), splitSeed: o.splitSeed === undefined ? undefined : Number(o.splitSeed), validationShare: o.validationShare, testShare: o.testShare, lenient: o.lenient, splitBy: splitByOf(o), dropNearDuplicates: o.dropNearDuplicates, ...columnOptions(o), imageSize: o.imageSize === undefined ? undefined : Number(o.imageSize), architecture: architectureOptions(o), cost: costOptions(o), device: device.device, deviceReason: device.reason };
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
  const p = await openPlan({ ...planOptions(o, device), imageCap });
  try {
    checkSampling(o, p.prepared.task);
    p.assignments = writeAssignments(o, p.prepared);
  } catch (e) {
    p.store.close();
    throw e;
  }
  const { prepared, cost, proposal, layers, baseline } = p;
  if (!quiet) {
    out.say(out.color.dim(prepared.describe));
    if (p.assignments) out.say(`assignments: ${p.assignments}`);
    for (const n of prepared.notes) out.say(out.color.yellow(`note: ${n}`));
    for (const w of findingLines(prepared)) out.say(out.color.yellow(w));
    const by = prepared.splitBy && prepared.splitBy.kind !== 'random' ? ` — ${splitByFlag(prepared.splitBy)}` : '';
    out.say(`splits: ${prepared.counts.train} train, ${prepared.counts.validation} validation, ${prepared.counts.test} test (sealed)${by}${prepared.reusedSplit ? ' — reusing the saved split manifest' : ''}`);
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
  return p;
}

/** What `sixstep plan --json` prints (and the API's plan() returns): its type is this object's. */
export function planJson(p: Plan) {
  return {
    task: p.prepared.task,
    classes: p.prepared.classes,
    costFunction: p.cost.name,
    costReason: p.cost.reason,
    classBalance: p.cost.balance ? { counts: p.cost.balance.counts, ratio: Number.isFinite(p.cost.balance.ratio) ? p.cost.balance.ratio : null, threshold: p.cost.balance.threshold, imbalanced: p.cost.balance.imbalanced, classWeights: p.cost.balance.mode, weights: p.cost.balance.weights, sampling: p.cost.balance.sampling } : null,
    // Each column: its kind, role and, where the model reads other inputs from it, which (a date's parts, token ids).
    schema: p.prepared.preprocessing.kind === 'image' ? null : p.prepared.preprocessing.schema.columns,
    architecture: p.layers.map((l) => ({ name: l.name, type: l.type, shapes: l.shapes, params: l.params, ...(l.input ? { reads: l.input } : {}) })),
    architectureReason: p.proposal.reason,
    model: p.proposal.spec,
    splits: { ...p.prepared.counts, by: p.prepared.splitBy ?? { kind: 'random' }, reused: p.prepared.reusedSplit, assignments: p.assignments ?? null, leakage: { trainValidation: p.prepared.leakage.trainValidation, trainTest: p.prepared.leakage.trainTest, validationTest: p.prepared.leakage.validationTest, removed: p.prepared.leakage.removed } },
    baseline: p.baseline,
    notes: p.prepared.notes,
    warnings: p.prepared.findings ?? [],
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

/** Ctrl-C or SIGTERM stops at the end of the current batch: finished epochs are kept, and the run is marked interrupted. */
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
    process.on('SIGTERM', this.handler);
  }
  /** Data-parallel ranks must stop together: they read `requested` through the DataParallel callback instead. */
  passive = false;
  afterBatch(): void {
    if (this.requested && !this.passive) throw new CancelFit();
  }
  release(): void {
    process.off('SIGINT', this.handler);
    process.off('SIGTERM', this.handler);
  }
}
