// Hyperparameter search machinery: seeded random search (never a grid) with
// the median stopping rule, and workers that share one study through a store.
export { randomSearch, sample, trialParams, medianRule, type SearchSpace, type SearchOptions, type TrialResult, type TrialParams, type TrialContext, type Objective, type Range } from './random_search.js';
export { searchWorker, type WorkerOptions, type WorkerTrial, type WorkerObjective } from './search_worker.js';
