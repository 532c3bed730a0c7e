// Steps 1 and 2 on prepared data: the cost function, the initial
// architecture (with its layer table) and the naive baseline to beat.
import { chooseCostFunction, type CostFunctionChoice } from './cost_function.js';
import { proposeArchitecture, describeModel, type ArchitectureOptions, type Proposal } from './architecture.js';
import { priorBaseline, meanBaseline, copyBaseline, strongest, type Baseline } from './baseline.js';
import type { LayerRow } from '../models/index.js';
import type { Prepared } from '../data/prepare.js';

export interface Plan {
  prepared: Prepared;
  cost: CostFunctionChoice;
  proposal: Proposal;
  layers: LayerRow[];
  baseline: Baseline;
}

export function makePlan(prepared: Prepared, o: ArchitectureOptions = {}): Plan {
  const classes = prepared.classes?.length ?? 0;
  const cost = chooseCostFunction(prepared.task, classes);
  const proposal = proposeArchitecture(prepared.archInput, o);
  const layers = describeModel(proposal.spec);
  const tr = prepared.targets('train');
  const va = prepared.targets('validation');
  // The strongest naive baseline; for regression also "copy an input column" (yesterday's value).
  const baseline =
    prepared.task === 'regression'
      ? strongest([meanBaseline(tr, va), ...prepared.copyCandidates.map((c) => copyBaseline(c.column, c.predictions, va))])
      : priorBaseline(prepared.task, classes, tr, va);
  return { prepared, cost, proposal, layers, baseline };
}
