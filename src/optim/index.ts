// Optimizers and gradient utilities.
export { Optimizer, type ParamGroup, type Params, type OptimizerState } from './optimizer.js';
export { SGD, type SGDOptions } from './sgd.js';
export { Adam, type AdamOptions } from './adam.js';
export { AdamW, type AdamWOptions } from './adamw.js';
export { clipGradNorm, clipGradValue, gradNorms, gradsFinite } from './clip.js';
export * from './lr_scheduler/index.js';
