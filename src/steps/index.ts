// The six steps of the playbook, as a library (the CLI is one face of it).
export { makePlan, type Plan } from './plan.js';
export { chooseCostFunction, type CostFunctionChoice } from './cost_function.js';
export { proposeArchitecture, buildModel, describeModel, type ArchitectureInput, type ArchitectureOptions, type ModelSpec, type Proposal } from './architecture.js';
export { meanBaseline, copyBaseline, priorBaseline, labelPriorBaseline, strongest, type Baseline } from './baseline.js';
export { fitVerdict, budgetToJudge, shortOfChance, type FitVerdict, type FitVerdictKind, type TrainingEvidence, type VerdictRule, type BudgetToJudge } from './diagnosis.js';
export { judgeSgd, type SwitchRule, type SwitchDecision, type SgdWindow } from './optimizer_rule.js';
export { fitModel, makeOptimizer, makeSchedule, metricsFor, type FitConfig, type FitResult } from './fit.js';
export { fitTrainingSet, type FitTrainingSetOptions, type FitTrainingSetResult } from './fit_training_set.js';
// Search machinery lives in src/search; re-exported here for existing users of the steps API.
export { randomSearch, sample, trialParams, medianRule, searchWorker, type SearchSpace, type SearchOptions, type TrialResult, type TrialParams, type WorkerOptions, type WorkerTrial, type WorkerObjective } from '../search/index.js';
export { regularizationLadder, withDropout, type LadderOptions, type LadderResult, type Candidate, type Measured } from './regularize.js';
export { gapOpen, gapTolerance, type GapRule } from './ladder_rules.js';
export { protocolFor, fitOnView, foldSpec, foldCost, foldBaseline, measureWeights, type FitRecipe, type PlaybookProtocol } from './protocol_of.js';
export { biasGap, type BiasRule, type BiasGap } from './bias_rule.js';
export { trainingLoss, gradientScaled, targetStd } from './scale_free.js';
export { trainingGuards, type GuardOptions } from './guards.js';
export { step3Search, type Step3SearchOptions, type Step3SearchResult } from './step3_search.js';
export { searchSpaceFor, specFor } from './search_space.js';
export { evaluateOnTest, type TestResult, type TestOptions } from './sealed_test.js';
export { tuning, isTuning, SealedTestError } from './tuning_guard.js';
export { diagnose, ladderRungOf, type Diagnosis, type LadderRung } from './doctor.js';
export type { Decision } from './decisions.js';
export {
  EmbeddingNet, l2Normalize, TripletSampler, indicesByClass, tripletCost, trainEmbedding, embed, embedImages, nearest, oneShotClassify, evaluateEpisodes,
  type EmbeddingNetOptions, type TripletSamplerOptions, type TrainEmbeddingOptions, type EpisodeOptions, type EpisodeResult,
} from './one_shot.js';
