// A project and its plan: the project folder with its store, the data
// prepared (split, with the manifest kept in the folder), and steps 1 and 2
// on it — what every training entry (auto, fit, tune) starts from. Options
// arrive checked (the CLI or the API edge checks them once).
import { mkdirSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { openStore, type Store } from '../store/index.js';
import { prepare, type PrepareOptions } from '../data/prepare.js';
import { makePlan, type Plan, type CostOptions } from '../steps/plan.js';
import type { ArchitectureOptions } from '../steps/architecture.js';
import { recordSplit, splitManifestPath, type SplitRecord } from '../protocol/index.js';
import type { FoldSet } from '../data/folds.js';
import type { SplitBy } from '../data/split_by.js';
import type { OverrideKind } from '../data/column_overrides.js';

export interface PlanOptions {
  /** A table (CSV/TSV/JSON/NDJSON/Parquet), an IDX images file, or an image folder. */
  data: string;
  /** Column to predict (tables). */
  target?: string;
  /** A test set of the same kind, used as is. */
  test?: string;
  /** Project folder: store, split manifest, runs and models. Default 'sixstep-project'. */
  project?: string;
  /** Seed of initialization and shuffles, and of a new project's split. Default 0. */
  seed?: number;
  /** Seed of the split; default: the project's saved split whatever seed made it, else `seed`. */
  splitSeed?: number;
  /** Shares split off for validation and test; default 0.15 each. */
  validationShare?: number;
  testShare?: number;
  /** Skip (and report) rows with bad values. Default false. */
  lenient?: boolean;
  /** How rows are split: random (default; stratified by class), by time, or by group (data/split_by.ts). */
  splitBy?: SplitBy;
  /** Also remove held-out rows equal to a training row up to case, punctuation, spaces and 3 significant digits. Default false. */
  dropNearDuplicates?: boolean;
  /** Tables: columns left out of the model (--ignore). Recorded in the split manifest. */
  ignore?: string[];
  /** Tables: kinds forced on columns (--kind); a value the kind cannot read stops at its line. Recorded in the split manifest. */
  kinds?: Record<string, OverrideKind>;
  /** Step 2's options (hidden widths, the width rule). */
  architecture?: ArchitectureOptions;
  /** Step 1's options (class weights, sampling). */
  cost?: CostOptions;
  /** Image folders: the working side (square), instead of the images' own size. */
  imageSize?: number;
  /** Image folders without `imageSize`: the cap on the working side of large images (default 64; `auto` fits it to its budget). */
  imageCap?: PrepareOptions['imageCap'];
  /** Where models and batches live; default 'cpu'. */
  device?: string;
  /** Why that device, in words (shown in summaries). Default "as asked". */
  deviceReason?: string;
}

/** Steps 1 and 2, with the project they live in. */
export interface ProjectPlan extends Plan {
  store: Store;
  projectDir: string;
  datasetName: string;
  /** The data file as given (runs record it). */
  data: string;
  target: string | null;
  test: string | null;
  /** Where models and batches of this command live, and why. */
  device: { device: string; reason: string };
  /** The split manifest that decided the rows. */
  manifest: string;
  /** Where --assignments wrote every row's split (null without the option). */
  assignments?: string | null;
}

export function openProject(dir: string): { store: Store; projectDir: string } {
  const projectDir = resolve(dir);
  mkdirSync(projectDir, { recursive: true });
  return { store: openStore(projectDir), projectDir };
}

/** The options prepare() takes (data/prepare.ts). */
export function prepareOptionsOf(o: PlanOptions, projectDir: string): PrepareOptions {
  return { data: o.data, target: o.target, test: o.test, projectDir, seed: o.seed ?? 0, splitSeed: o.splitSeed, validationShare: o.validationShare, testShare: o.testShare, lenient: o.lenient, device: o.device ?? 'cpu', splitBy: o.splitBy, dropNearDuplicates: o.dropNearDuplicates, ignore: o.ignore, kinds: o.kinds, imageSize: o.imageSize, imageCap: o.imageCap };
}

/** Opens the project, prepares the data and makes the plan; the dataset is recorded in the store. */
export async function openPlan(o: PlanOptions): Promise<ProjectPlan> {
  const { store, projectDir } = openProject(o.project ?? 'sixstep-project');
  try {
    const prepared = await prepare(prepareOptionsOf(o, projectDir));
    const plan = makePlan(prepared, o.architecture ?? {}, o.cost ?? {});
    const datasetName = basename(o.data);
    store.putDataset({ name: datasetName, path: resolve(o.data), fingerprint: prepared.fingerprint, rows: prepared.counts.train + prepared.counts.validation + prepared.counts.test, schema: prepared.preprocessing.kind === 'image' ? { classes: prepared.classes } : (prepared.preprocessing.schema as any) });
    const device = o.device ?? 'cpu';
    return { ...plan, store, projectDir, datasetName, data: o.data, target: o.target ?? null, test: o.test ?? null, device: { device, reason: o.deviceReason ?? 'as asked' }, manifest: splitManifestPath(projectDir, o.data) };
  } catch (e) {
    store.close();
    throw e;
  }
}

/** Which rows this plan's runs use (and the folds, when decisions read them). */
export function planSplit(p: ProjectPlan, folds?: { set: FoldSet; seed: number }): Promise<SplitRecord> {
  return recordSplit(p.prepared, p.manifest, folds);
}
