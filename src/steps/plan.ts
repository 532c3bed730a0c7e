// Steps 1 and 2 on prepared data: the cost function, the initial
// architecture (with its layer table) and the naive baseline to beat.
import { chooseCostFunction, type CostFunctionChoice } from './cost_function.js';
import { proposeArchitecture, describeModel, type ArchitectureOptions, type Proposal } from './architecture.js';
import { priorBaseline, labelPriorBaseline, meanBaseline, copyBaseline, strongest, type Baseline } from './baseline.js';
import { specColumns, type LayerRow, type ModelSpec } from '../models/index.js';
import type { Prepared } from '../data/prepare.js';
import { classBalance, type ClassWeightMode } from './class_balance.js';
import type { Sampling } from '../data/sampler.js';

export interface Plan {
  prepared: Prepared;
  cost: CostFunctionChoice;
  proposal: Proposal;
  layers: LayerRow[];
  baseline: Baseline;
}

export interface CostOptions {
  /** Class weights of the cost function (classification). Default 'none' (see class_balance.ts for why). */
  classWeights?: ClassWeightMode;
  /** How training rows are drawn (classification): 'balanced' samples classes equally, the alternative to class weights. Default 'natural'. */
  sampling?: Sampling;
}

export function makePlan(prepared: Prepared, o: ArchitectureOptions = {}, c: CostOptions = {}): Plan {
  const classes = prepared.classes?.length ?? 0;
  const classified = prepared.task === 'binary' || prepared.task === 'multiclass';
  const balance = classified ? classBalance(prepared.targets('train'), classes, c.classWeights ?? 'none', undefined, c.sampling ?? 'natural', prepared.classes) : null;
  const cost = chooseCostFunction(prepared.task, classes, undefined, { balance });
  const proposal = proposeArchitecture(prepared.archInput, o);
  requireEveryFeature(prepared, proposal.spec);
  const layers = describeModel(proposal.spec);
  const tr = prepared.targets('train');
  const va = prepared.targets('validation');
  // The strongest naive baseline; for regression also "copy an input column" (yesterday's value).
  const baseline =
    prepared.task === 'regression'
      ? strongest([meanBaseline(tr, va), ...prepared.copyCandidates.map((c) => copyBaseline(c.column, c.predictions, va))])
      : prepared.task === 'multilabel'
        ? labelPriorBaseline(prepared.classes ?? [], tr, va)
        : priorBaseline(prepared.task, classes, tr, va, prepared.classes);
  return { prepared, cost, proposal, layers, baseline };
}

/** What the plan lists as a feature is what the model reads: a column without an input path is a defect, said at once. */
export function requireEveryFeature(prepared: Prepared, spec: ModelSpec): void {
  const read = specColumns(spec);
  if (read === null || prepared.preprocessing.kind === 'image') return;
  const features = prepared.preprocessing.schema.columns.filter((c) => c.role === 'feature').map((c) => c.name);
  const unread = features.filter((c) => !read.includes(c));
  const unlisted = read.filter((c) => !features.includes(c));
  if (unread.length || unlisted.length) {
    throw new Error(`the ${spec.family} network reads ${read.length ? read.join(', ') : 'no column'}, but the schema's features are ${features.join(', ')}${unread.length ? ` (no input path for ${unread.join(', ')})` : ''}${unlisted.length ? ` (reads ${unlisted.join(', ')}, not a feature)` : ''}`);
  }
}
