// The six steps of the playbook, as a library (the CLI is one face of it).
export { makePlan, type Plan } from './plan.js';
export { chooseCostFunction, type CostFunctionChoice } from './cost_function.js';
export { proposeArchitecture, buildModel, describeModel, type ArchitectureInput, type ArchitectureOptions, type ModelSpec, type Proposal } from './architecture.js';
export { meanBaseline, copyBaseline, priorBaseline, strongest, type Baseline } from './baseline.js';
export { signalVerdict, type SignalVerdict } from './diagnosis.js';
export { judgeSgd, type SwitchRule, type SwitchDecision } from './optimizer_rule.js';
export { fitModel, makeOptimizer, makeSchedule, metricsFor, type FitConfig, type FitResult } from './fit.js';
export { fitTrainingSet, type FitTrainingSetOptions, type FitTrainingSetResult } from './fit_training_set.js';
export { randomSearch, sample, trialParams, medianRule, type SearchSpace, type SearchOptions, type TrialResult, type TrialParams } from './random_search.js';
export { searchWorker, type WorkerOptions, type WorkerTrial, type WorkerObjective } from './search_worker.js';
export { regularizationLadder, gapOpen, type LadderOptions, type LadderResult, type Candidate, type Measured } from './regularize.js';
export { evaluateOnTest, type TestResult, type TestOptions } from './sealed_test.js';
export { tuning, isTuning, SealedTestError } from './tuning_guard.js';
export { autopilot, type AutopilotOptions, type AutopilotResult } from './autopilot.js';
export { diagnose, type Diagnosis } from './doctor.js';
export type { Decision } from './decisions.js';
export {
  EmbeddingNet, l2Normalize, TripletSampler, indicesByClass, tripletCost, trainEmbedding, embed, embedImages, nearest, oneShotClassify, evaluateEpisodes,
  type EmbeddingNetOptions, type TripletSamplerOptions, type TrainEmbeddingOptions, type EpisodeOptions, type EpisodeResult,
} from './one_shot.js';
