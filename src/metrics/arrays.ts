// The metrics over plain arrays (sixstep/metrics/arrays): what the metrics
// barrel offers without the functions that run a model, so importing them
// never loads libtorch.
export { confusionCounts, perClassScores, summarizeConfusion, type ClassScores, type ClassificationSummary } from './classification.js';
export { rocAuc, averagePrecision, oneVsRestMacro } from './ranking.js';
export { logLoss } from './log_loss.js';
export { regressionScores, type RegressionScores } from './regression.js';
export { objective, metricMismatch, bestBy, OPTIMISING_METRICS, type Objective, type OptimisingMetric, type ValidationFigures } from './objective.js';
