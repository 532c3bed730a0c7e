// Runs as stages, and the library entries every face of sixstep calls: auto(),
// fit() and tune() each take one options object and return what the CLI's
// --json prints.
export { auto, type AutoOptions, type AutoResult } from './auto.js';
export { fit, fitTrainingOptions, type FitOptions, type FitResult, type FitTraining } from './fit.js';
export { tune, tuneWorker, type TuneOptions, type TuneResult, type TuneTrial, type TuneWorkerExit } from './tune.js';
export { openPlan, openProject, planSplit, type PlanOptions, type ProjectPlan } from './project.js';
export { runAutopilot, AUTOPILOT_STAGES, type AutopilotOptions, type AutopilotResult } from './auto/autopilot.js';
export { AUTOPILOT_BUDGET, RESNET_WEIGHT_DECAY, type AutopilotBudget, type AutoState, type AutoPhase } from './auto/context.js';
export { runStages, saveState, decisionLog, type Stage, type StageOutcome, type RunState } from './runner.js';
