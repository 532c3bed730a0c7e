// Reports for people who would rather look than read.
export { renderReport, type ReportInput } from './html.js';
export { confusionMatrix, regressionPairs, type ConfusionMatrix } from './predictions.js';
