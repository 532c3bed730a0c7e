// Transfer learning, fastai's recipe: load pretrained weights, split the
// network into layer groups from the input to the head, freeze the early
// groups while a new head learns, then unfreeze and train every group at its
// own rate (lowest for the earliest, whose general features need least change).
import { existsSync } from 'node:fs';
import { Tensor, loadSafetensors, noGrad, tidy, ArgumentError } from '../tensor/index.js';
import { Module, BatchNorm1d, BatchNorm2d } from '../nn/index.js';
import { OneCycleLR, spreadLr, type ParamGroup } from '../optim/index.js';
import type { Callback } from './callback.js';
import type { Learner, EpochResult, BatchSource } from './learner.js';
import { ScheduleCallback } from './callbacks/schedule.js';

// ---------------------------------------------------------------------------
// Layer groups

/** A slice of the network, from the input side to the head; frozen or trainable as a whole. */
export interface LayerGroup {
  name: string;
  /** The modules of the group with their dotted names in the model. */
  modules: Array<[string, Module<any, any>]>;
  /** Their parameters (the model's own tensors), each in exactly one group. */
  params: Tensor[];
  /** Set by freeze()/unfreeze(); frozen groups get no gradients and keep batch-norm statistics. */
  frozen: boolean;
  /** Set by freeze(): the group's batch norms train (parameters and statistics) although it is frozen. */
  trainBatchNorm: boolean;
}

/** Groups named by the dotted module names they hold (as `namedModules()` prints them), input side first. */
export type LayerGroupSpec = Array<{ name: string; modules: string[] }>;

/** A model that knows its own layer groups (a ResNet, a TabularNet: src/models); any other is split by its children. */
export interface GroupedModule {
  layerGroupSpec(): LayerGroupSpec;
}

const grouped = (m: Module<any, any>): m is Module<any, any> & GroupedModule => typeof (m as Partial<GroupedModule>).layerGroupSpec === 'function';

/**
 * Splits `model` into layer groups, input side first, head last.
 *
 * Without a spec:
 * - a model that knows its groups (GroupedModule: ResNet and TabularNet say
 *   theirs in src/models), those (empty groups dropped);
 * - Sequential and any other module: its top-level children in order; the last
 *   one holding parameters (with whatever follows it) is the head, the ones before
 *   split into two halves by parameter-holding children (one group if only one).
 *
 * Every parameter must land in exactly one group; a spec that leaves one out,
 * or names a module twice, is an error.
 */
export function layerGroups(model: Module<any, any>, spec?: LayerGroupSpec): LayerGroup[] {
  const s = spec ?? defaultSpec(model);
  const byName = new Map(model.namedModules());
  const owner = new Map<Tensor, string>();
  const groups: LayerGroup[] = s.map((g) => {
    const modules: Array<[string, Module<any, any>]> = [];
    const params: Tensor[] = [];
    for (const name of g.modules) {
      const m = byName.get(name);
      if (!m) throw new ArgumentError(`layerGroups: no module named '${name}' (have ${[...byName.keys()].filter(Boolean).join(', ')})`);
      modules.push([name, m]);
      for (const [pn, p] of m.namedParameters(name ? `${name}.` : '')) {
        const prev = owner.get(p);
        if (prev !== undefined) throw new ArgumentError(`layerGroups: parameter '${pn}' is in group '${prev}' and in group '${g.name}'`);
        owner.set(p, g.name);
        params.push(p);
      }
    }
    return { name: g.name, modules, params, frozen: false, trainBatchNorm: false };
  });
  const left = model.namedParameters().filter(([, p]) => !owner.has(p)).map(([n]) => n);
  if (left.length) throw new ArgumentError(`layerGroups: parameters in no group: ${left.join(', ')}`);
  return groups.filter((g) => g.modules.length > 0);
}

function hasParams(m: Module<any, any>): boolean {
  return m.namedParameters().length > 0;
}

function defaultSpec(model: Module<any, any>): LayerGroupSpec {
  const children = model.namedChildren();
  if (grouped(model)) return model.layerGroupSpec();
  // Sequential and the rest: top-level children in order. Parameters the
  // model registers itself cannot be split by child: one group then.
  if (!children.some(([, m]) => hasParams(m)) || ownParams(model)) return [{ name: 'all', modules: [''] }];
  let lastP = -1;
  children.forEach(([, m], i) => hasParams(m) && (lastP = i));
  const head = children.slice(lastP).map(([n]) => n);
  const body = children.slice(0, lastP);
  const withParams = body.map(([, m], i) => (hasParams(m) ? i : -1)).filter((i) => i >= 0);
  if (withParams.length === 0) return [{ name: 'head', modules: [...body.map(([n]) => n), ...head] }];
  if (withParams.length === 1) return [{ name: 'body', modules: body.map(([n]) => n) }, { name: 'head', modules: head }];
  // Cut after the parameter-holding child that ends the first half.
  const cut = withParams[Math.ceil(withParams.length / 2) - 1] + 1;
  return [
    { name: 'body.0', modules: body.slice(0, cut).map(([n]) => n) },
    { name: 'body.1', modules: body.slice(cut).map(([n]) => n) },
    { name: 'head', modules: head },
  ];
}

/** Whether the module registers parameters itself (not through children): those cannot be split by child. */
function ownParams(model: Module<any, any>): boolean {
  const inChildren = new Set(model.namedChildren().flatMap(([, c]) => c.parameters()));
  return model.parameters().some((p) => !inChildren.has(p));
}

// ---------------------------------------------------------------------------
// Freezing

/**
 * Freezes groups [0, upTo) and unfreezes the rest (fastai's freeze_to). A
 * negative upTo counts from the end; the default, −1, trains only the head.
 *
 * Frozen parameters stop requiring gradients, so backward skips them and the
 * optimizers (which skip parameters without a gradient, momentum and weight
 * decay included) leave them bit-identical. Their batch norms must also stop
 * updating running statistics: `Learner` puts the whole model in training mode
 * every epoch, so add `frozenBatchNorm(groups)` to its callbacks (fineTune does);
 * a hand-written loop calls `model.train()` before freeze(), not after.
 */
export function freeze(groups: LayerGroup[], upTo = -1, options: FreezeOptions = {}): void {
  const n = upTo < 0 ? Math.max(0, groups.length + upTo) : Math.min(upTo, groups.length);
  groups.forEach((g, i) => {
    g.frozen = i < n;
    g.trainBatchNorm = g.frozen && (options.trainBatchNorm ?? false);
    const bnParams = new Set(g.trainBatchNorm ? batchNorms(g).flatMap((m) => m.parameters()) : []);
    for (const p of g.params) {
      const trainable = !g.frozen || bnParams.has(p);
      p.requiresGrad_(trainable);
      // A gradient left from before would still be applied by the next step.
      if (!trainable) p.grad = null;
    }
    if (statisticsFrozen(g)) for (const m of batchNorms(g)) m.eval();
  });
}

export interface FreezeOptions {
  /**
   * Keep training the batch norms of frozen groups, scale, shift and running
   * statistics (fastai's train_bn, its default), so they adapt to the new data.
   * Default false: frozen means every parameter and statistic stays as loaded.
   */
  trainBatchNorm?: boolean;
}

function statisticsFrozen(g: LayerGroup): boolean {
  return g.frozen && !g.trainBatchNorm;
}

/** Makes every group trainable again. */
export function unfreeze(groups: LayerGroup[]): void {
  freeze(groups, 0);
}

function batchNorms(g: LayerGroup): Module<any, any>[] {
  return g.modules.flatMap(([, m]) => m.namedModules().map(([, c]) => c)).filter((c) => c instanceof BatchNorm1d || c instanceof BatchNorm2d);
}

/**
 * Keeps the batch norms of frozen groups in evaluation mode (running
 * statistics read, not updated) after the loop switches the model to training;
 * groups frozen with trainBatchNorm are left training.
 */
export function frozenBatchNorm(groups: LayerGroup[]): Callback {
  return {
    name: 'frozenBatchNorm',
    order: -10,
    beforeTrain: () => {
      for (const g of groups) if (statisticsFrozen(g)) for (const m of batchNorms(g)) m.eval();
    },
  };
}

/**
 * Re-estimates every batch norm's running statistics as the plain average
 * over `batches` (training mode, no gradients), then restores the modules'
 * momentum and mode. After a few hundred steps or fewer, the exponential
 * averages still carry statistics of weights long gone, and evaluation (which
 * reads them) can fall to chance while training-mode outputs are right; a pass
 * over the training examples fixes that ("precise BN", Wu & Johnson 2021).
 * With `groups`, the batch norms of frozen groups (unless trainBatchNorm) are left as they are.
 * Disposes each batch, as the Learner does; only `x` is used.
 */
export async function recalibrateBatchNorm(model: Module<any, any>, source: BatchSource, options: { groups?: LayerGroup[] } = {}): Promise<void> {
  // Frozen groups keep their statistics: the layers after them were trained on what those produce.
  const frozen = new Set((options.groups ?? []).filter(statisticsFrozen).flatMap(batchNorms));
  const bns = model.namedModules().map(([, m]) => m).filter((m): m is BatchNorm1d | BatchNorm2d => (m instanceof BatchNorm1d || m instanceof BatchNorm2d) && m.runningMean !== null && !frozen.has(m));
  const wasTraining = model.training;
  const saved = bns.map((m) => ({ momentum: m.momentum, tracked: m.numBatchesTracked!.item() }));
  noGrad(() => {
    for (const m of bns) {
      // momentum null: the running statistics become the cumulative average.
      m.momentum = null;
      m.runningMean!.zero_();
      m.runningVar!.fill_(1);
      m.numBatchesTracked!.zero_();
    }
  });
  try {
    model.train(true);
    for (const m of frozen) m.eval();
    for await (const b of source.batches(0)) {
      try {
        noGrad(() => tidy(() => void model.forward(b.x)));
      } finally {
        b.x.dispose();
        b.y.dispose();
      }
    }
  } finally {
    noGrad(() =>
      bns.forEach((m, i) => {
        (m as { momentum: number | null }).momentum = saved[i].momentum;
        m.numBatchesTracked!.fill_(saved[i].tracked + m.numBatchesTracked!.item());
      }),
    );
    model.train(wasTraining);
  }
}

// ---------------------------------------------------------------------------
// Pretrained weights

export interface LoadPretrainedOptions {
  /** Name prefixes not to load (a new head: ['fc.']); default none. */
  skip?: string[];
  /** Throw if a model tensor is missing from the file or has another shape (skipped names exempt); default false. */
  strict?: boolean;
}

export interface LoadPretrainedReport {
  /** Names copied into the model. */
  loaded: string[];
  /** Names left at their initial values, with the reason. */
  skipped: Array<{ name: string; reason: 'skip' | 'shape' | 'missing' }>;
  /** Names in the file the model does not have. */
  unused: string[];
}

/**
 * Copies the tensors of a safetensors file (as `saveSafetensors(path,
 * model.stateDict())` writes) into the model where names and shapes match,
 * and reports what it left out: names matching `skip`, shape mismatches (a head
 * for another number of classes) and names missing from the file.
 */
export function loadPretrained(model: Module<any, any>, file: string | Record<string, Tensor>, options: LoadPretrainedOptions = {}): LoadPretrainedReport {
  const skip = options.skip ?? [];
  if (typeof file === 'string' && !existsSync(file)) throw new ArgumentError(`loadPretrained: no such file ${file}`);
  const source = typeof file === 'string' ? loadSafetensors(file).tensors : file;
  try {
    const own = model.stateDict();
    const report: LoadPretrainedReport = { loaded: [], skipped: [], unused: Object.keys(source).filter((k) => !(k in own)) };
    const take: Record<string, Tensor> = {};
    for (const [name, dst] of Object.entries(own)) {
      const src = source[name];
      if (skip.some((s) => name.startsWith(s))) report.skipped.push({ name, reason: 'skip' });
      else if (!src) report.skipped.push({ name, reason: 'missing' });
      else if (src.shape.join(',') !== dst.shape.join(',')) report.skipped.push({ name, reason: 'shape' });
      else {
        take[name] = src;
        report.loaded.push(name);
      }
    }
    if (options.strict) {
      const bad = report.skipped.filter((s) => s.reason !== 'skip');
      if (bad.length) throw new ArgumentError(`loadPretrained: ${bad.map((b) => `${b.name} (${b.reason})`).join(', ')}`);
    }
    model.loadStateDict(take, { strict: false });
    return report;
  } finally {
    if (typeof file === 'string') for (const t of Object.values(source)) t.dispose();
  }
}

// ---------------------------------------------------------------------------
// Differential learning rates

/**
 * Learning rates across groups: one number for all, `{ min, max }` spread on a
 * log scale from the first group to the head (fastai's slice(min, max), via
 * spreadLr), or one per group.
 */
export type GroupLrs = number | { min: number; max: number } | number[];

export function groupLrs(lrs: GroupLrs, nGroups: number): number[] {
  if (typeof lrs === 'number') return new Array(nGroups).fill(lrs);
  if (Array.isArray(lrs)) {
    if (lrs.length !== nGroups) throw new ArgumentError(`${lrs.length} learning rates for ${nGroups} layer groups`);
    return [...lrs];
  }
  return spreadLr(lrs.min, lrs.max, nGroups);
}

/** One optimizer parameter group per layer group (same order, same names), each with its rate. */
export function discriminativeParamGroups(groups: LayerGroup[], lrs: GroupLrs, extra: Omit<ParamGroup, 'params' | 'name' | 'lr'> = {}): ParamGroup[] {
  const r = groupLrs(lrs, groups.length);
  return groups.map((g, i) => ({ ...extra, params: g.params, name: g.name, lr: r[i] }));
}

// ---------------------------------------------------------------------------
// fine_tune and gradual unfreezing

export interface FineTuneOptions {
  /** Its optimizer must hold one parameter group per layer group, in order (discriminativeParamGroups). */
  learner: Learner;
  groups: LayerGroup[];
  /** Epochs with every group trainable. */
  epochs: number;
  /** Peak rate of the head; default 2e-3 (fastai's, for Adam). */
  baseLr?: number;
  /** Epochs training the head alone first; default 1. */
  freezeEpochs?: number;
  /** The first group trains at baseLr/2/lrMult after unfreezing; default 100. */
  lrMult?: number;
  /** Warm-up fraction of the unfrozen one-cycle; default 0.3. */
  pctStart?: number;
  /** The unfrozen cycle starts at its peak / div; default 5. */
  div?: number;
  /** Train the frozen groups' batch norms in the frozen phase (see FreezeOptions); default false. */
  trainBatchNorm?: boolean;
}

export interface FineTuneResult {
  /** Epochs of the frozen phase, then of the unfrozen one. */
  frozen: EpochResult[];
  unfrozen: EpochResult[];
}

/** Runs one 1cycle fit with per-group peak rates, then removes its callbacks. */
async function fitOneCycle(learner: Learner, groups: LayerGroup[], epochs: number, maxLr: number[], o: { pctStart: number; div: number }): Promise<EpochResult[]> {
  if (epochs <= 0) return [];
  const steps = learner.train.length;
  if (!steps) throw new ArgumentError('fineTune needs a training source with a known length (batches per epoch)');
  if (learner.optimizer.groups.length !== groups.length) {
    throw new ArgumentError(`the optimizer has ${learner.optimizer.groups.length} parameter groups, there are ${groups.length} layer groups: build it with discriminativeParamGroups`);
  }
  const schedule = new ScheduleCallback(new OneCycleLR(learner.optimizer, { maxLr, totalSteps: epochs * steps, pctStart: o.pctStart, divFactor: o.div }));
  const bn = frozenBatchNorm(groups);
  learner.addCallback(schedule).addCallback(bn);
  try {
    return await learner.fit(epochs);
  } finally {
    learner.removeCallback(schedule).removeCallback(bn);
  }
}

/**
 * fastai's fine_tune: freeze all but the head and train it for `freezeEpochs`
 * (1cycle, peak baseLr, 99% warm-up); then halve the rate, unfreeze, and train
 * `epochs` more with rates from baseLr/2/lrMult (first group) to baseLr/2 (head).
 * Leaves the groups unfrozen.
 */
export async function fineTune(o: FineTuneOptions): Promise<FineTuneResult> {
  const baseLr = o.baseLr ?? 2e-3;
  const n = o.groups.length;
  freeze(o.groups, -1, { trainBatchNorm: o.trainBatchNorm });
  // slice(baseLr): the frozen groups' rates do not matter, the head's is baseLr.
  const frozen = await fitOneCycle(o.learner, o.groups, o.freezeEpochs ?? 1, spreadLr(baseLr, undefined, n), { pctStart: 0.99, div: 25 });
  unfreeze(o.groups);
  const half = baseLr / 2;
  const unfrozen = await fitOneCycle(o.learner, o.groups, o.epochs, spreadLr(half / (o.lrMult ?? 100), half, n), { pctStart: o.pctStart ?? 0.3, div: o.div ?? 5 });
  return { frozen, unfrozen };
}

export interface GradualUnfreezeOptions {
  learner: Learner;
  groups: LayerGroup[];
  /** Peak rate of the head; default 2e-3. */
  lr?: number;
  /** Epochs per stage (each stage unfreezes one more group, head first); default 1. */
  epochsPerStage?: number;
  /** Extra epochs once every group is trainable; default 0. */
  finalEpochs?: number;
  /** Rates across trainable groups fall by this factor per group toward the input; default 2.6 (ULMFiT). */
  groupFactor?: number;
  /** Warm-up fraction of each stage's one-cycle; default 0.3. */
  pctStart?: number;
  /** Train the frozen groups' batch norms (see FreezeOptions); default false. */
  trainBatchNorm?: boolean;
}

/**
 * ULMFiT's gradual unfreezing: train the head, then the last two groups, then
 * the last three … one 1cycle fit per stage, with group i's rate lr/groupFactor^(n−1−i)
 * so earlier groups move less. Returns the epochs of each stage. Leaves the groups unfrozen.
 */
export async function gradualUnfreeze(o: GradualUnfreezeOptions): Promise<EpochResult[][]> {
  const n = o.groups.length;
  const lr = o.lr ?? 2e-3;
  const factor = o.groupFactor ?? 2.6;
  const lrs = o.groups.map((_, i) => lr / factor ** (n - 1 - i));
  const per = o.epochsPerStage ?? 1;
  const stages: EpochResult[][] = [];
  for (let trainable = 1; trainable <= n; trainable++) {
    freeze(o.groups, n - trainable, { trainBatchNorm: o.trainBatchNorm });
    const epochs = per + (trainable === n ? (o.finalEpochs ?? 0) : 0);
    stages.push(await fitOneCycle(o.learner, o.groups, epochs, lrs, { pctStart: o.pctStart ?? 0.3, div: 25 }));
  }
  return stages;
}

/** What each group holds, for reports: module names, parameter count, frozen or not. */
export function describeGroups(groups: LayerGroup[]): Array<{ name: string; modules: string[]; parameters: number; frozen: boolean }> {
  return groups.map((g) => ({ name: g.name, modules: g.modules.map(([n]) => n), parameters: g.params.reduce((s, p) => s + p.numel, 0), frozen: g.frozen }));
}
