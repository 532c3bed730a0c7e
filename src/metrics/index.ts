// Error analysis metrics, equal to scikit-learn's: pure functions over plain
// arrays (also as sixstep/metrics/arrays, which never loads libtorch), and
// the predictions of a model collected and evaluated.
export * from './arrays.js';
export { collectPredictions, PredictionCollector, outputValues, predictedClass, predictedClasses, rowCount, type Predictions, type PredictionTask, type PredictionSource } from './predictions.js';
export { forEachEvalBatch, forEachEvalBatchSync, type EvalBatch, type EvalBatchFn, type EvalSource } from './eval_batches.js';
export { evaluatePredictions, type Evaluation, type MetricValues, type PerClass } from './evaluation.js';
