// The high-level API: the command line's entries as typed functions with the
// same options, checks and results (`--json`'s objects) — plan, fit and auto
// train in a project folder; loadModel predicts from a model directory.
export { plan, type PlanOptions, type PlanResult } from './plan.js';
export { fit, type FitOptions, type FitRun } from './fit.js';
export { auto, type AutoOptions, type AutoRun, type SplitFigures } from './auto.js';
export { loadModel, type LoadModelOptions, type Model, type ModelPrediction, type ClassPrediction, type LabelsPrediction, type ValuePrediction, type Predictions, type TableRow, type ImageInput } from './load_model.js';
export type { DataOptions, TrainOptions } from './options.js';
export { RunInterrupted, UsageError, DataError, UnknownColumnError, MissingColumnError, SplitManifestError, SplitColumnError, ModelDirError, InputError, UnsupportedModelError } from './errors.js';
