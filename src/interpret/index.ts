// Error analysis: where a model fails (sixstep interpret, the report and the dashboard).
export { mostConfused, type ConfusedPair } from './most_confused.js';
export { rowLosses, topLosses, type ClassTopLoss, type RegressionTopLoss } from './top_losses.js';
export { calibration, type Calibration, type ReliabilityBin } from './calibration.js';
export { residuals, type Residuals } from './residuals.js';
export { permutationImportance, type FeatureImportance, type PermutationOptions } from './permutation_importance.js';
export { TablePredictor, permuteColumn, type TablePredictions, type TablePredictorOptions } from './table_predictions.js';
export { interpretPredictions, interpretTable, type Interpretation, type TopLoss, type ViewOptions, type TableInterpretOptions } from './interpretation.js';
export { interpretModel, storedViews, type ModelInterpretOptions } from './of_model.js';
export { validationRows, type ValidationRowsOptions } from './validation_rows.js';
export { thumbnail, withThumbnails, THUMBNAIL_SIDE } from './thumbnail.js';
