// Steps 1 and 2 on prepared data: the cost function, the initial
// architecture (with its layer table) and the naive baseline to beat.
import { chooseCostFunction, type CostFunctionChoice } from './cost_function.js';
import { proposeArchitecture, describeModel, type ArchitectureOptions, type Proposal } from './architecture.js';
import { priorBaseline, labelPriorBaseline, meanBaseline, copyBaseline, strongest, type Baseline } from './baseline.js';
import type { LayerRow } from '../models/index.js';
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
