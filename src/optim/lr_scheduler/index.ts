// Learning-rate schedules, stepped once per batch after optimizer.step().
export { LrScheduler, epochsToSteps, type LrSchedulerState } from './scheduler.js';
export { CosineAnnealingWarmRestarts, type CosineAnnealingWarmRestartsOptions } from './cosine_warm_restarts.js';
export { OneCycleLR, type OneCycleLROptions, type AnnealStrategy } from './one_cycle.js';
export { ExponentialLR, type ExponentialLROptions } from './exponential.js';
export { StepLR, type StepLROptions } from './step.js';
export { MultiStepLR, type MultiStepLROptions } from './multi_step.js';
export { spreadLr } from './discriminative.js';
export { CosineCycles, cyclesForRun, type CosineCyclesOptions } from './cosine_cycles.js';
