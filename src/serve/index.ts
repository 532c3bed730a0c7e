// Step 6 — the real world: serve a saved model (in process, over HTTP, or in
// batch), watch its inputs and predictions drift from training, and measure
// it on true labels sent back as feedback.
export { Predictor, type Prediction, type PredictorOptions, type TablePredictions, type CheckedRows } from './predictor.js';
export { InputError, ServeFault, UnsupportedModelError, OnnxRuntimeMissingError } from './errors.js';
export { onnxRuntimeInstalled, ONNX_RUNTIME_INSTALL } from './onnx_runtime.js';
export { checkRows, inputFields, rangeWarnings, type InputField, type FieldRange, type RangeWarning } from './input.js';
export { psi, binOf, quantileBins, normalBins, PSI_ALERT, PSI_EPSILON } from './psi.js';
export { REFERENCE, writeReferenceProfile, buildReferenceProfile, readReferenceProfile, approximateProfile, predictionReference, predictionBasis, fieldRanges, type PredictionBasis, type ReferenceProfile, type FeatureReference, type PredictionReference } from './reference.js';
export { DriftMonitor, type DriftReport, type FeatureDrift, type PredictionDrift, type DriftMonitorOptions } from './drift.js';
export { ServeRecords, type FeedbackItem, type ServedModel, type ServeRecordsOptions } from './records.js';
export { realWorldSummary, servedDrift, measureRealWorld, type RealWorld } from './records_read.js';
export { createServer, listen, manifestTestValue, type ServerOptions, type Served } from './server.js';
export { testValueOf } from './test_value.js';
export { MicroBatcher, type BatcherOptions } from './batcher.js';
export { OnnxEngine, type OnnxEngineOptions } from './onnx_engine.js';
export { ImagePredictor, isImageModel, type ImagePrediction, type ImagePredictorOptions, type ImagePreprocessing } from './image_predictor.js';
export { createImageServer, ImageRequestError, type ImageServerOptions, type ImageServed } from './image_server.js';
export { ImageDriftMonitor, type ServedImage } from './image_drift.js';
export { IMAGE_REFERENCE, buildImageReference, writeImageReference, readImageReference, type ImageReference } from './image_reference.js';
