// The evaluation protocol: every measurement a decision reads, and the rule
// that compares two of them.
export { measureLoss, evalLoss, rowLosses, trainSubset, trainSubsetLoss, validationRowLosses, validationLogits, validationLoss, TrainSubsetProbe, MEASURE_ROWS, type MeasureCost } from './measure.js';
export { acceptBestOf, zForBestOf, normalQuantile, type AcceptRule, type Acceptance } from './selection.js';
export { foldSpread, describeSpread, aggregateFolds, FOLD_SELECTION_NOTE, type FoldSpread } from './fold_figures.js';
export { recordSplit, splitRecordOf, splitManifestPath, foldsFingerprint, manifestFingerprint, followSplit, SplitRecordError, type SplitRecord } from './split_record.js';
export { EvaluationProtocol, type ProtocolOptions } from './evaluation.js';
export { holdout } from './holdout.js';
export { kFold, meanBaseline, type KFoldOptions } from './kfold.js';
export type { Candidate, Measured, Protocol, ProtocolBaseline, ProtocolMeasured, ProtocolTrainOptions, ProtocolView, Trained, Trainer, TrainRequest } from './types.js';
