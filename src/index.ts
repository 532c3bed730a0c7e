// sixstep as a library: every layer is importable on its own
// (sixstep/tensor, sixstep/nn, …); this entry gathers them by name.
export * as tensor from './tensor/index.js';
export * as nn from './nn/index.js';
export * as optim from './optim/index.js';
export * as data from './data/index.js';
export * as train from './train/index.js';
export * as models from './models/index.js';
export * as steps from './steps/index.js';
export * as serve from './serve/index.js';
export * as store from './store/index.js';
export * as artifact from './artifact/index.js';
export * as plot from './plot/index.js';
export * as protocol from './protocol/index.js';
export * as pipeline from './pipeline/index.js';
// The high-level API, by name at the root: plan, fit, auto, loadModel and their types.
export * from './api/index.js';
