// Error analysis metrics: pure functions over plain arrays, equal to scikit-learn's.
export { confusionCounts, perClassScores, summarizeConfusion, type ClassScores, type ClassificationSummary } from './classification.js';
export { rocAuc, averagePrecision, oneVsRestMacro } from './ranking.js';
export { logLoss } from './log_loss.js';
export { regressionScores, type RegressionScores } from './regression.js';
export { collectPredictions, PredictionCollector, outputValues, predictedClass, predictedClasses, rowCount, type Predictions, type PredictionTask, type PredictionSource } from './predictions.js';
export { forEachEvalBatch, forEachEvalBatchSync, type EvalBatch, type EvalBatchFn, type EvalSource } from './eval_batches.js';
export { evaluatePredictions, type Evaluation, type MetricValues, type PerClass } from './evaluation.js';
export { objective, metricMismatch, bestBy, OPTIMISING_METRICS, type Objective, type OptimisingMetric, type ValidationFigures } from './objective.js';
