// Export: a model directory as an ONNX file plus the JSON sidecar that turns raw rows into its inputs.
export { exportModelDir, exportNetwork, exportNetworkFromDir, ExportError, type ExportedModel } from './onnx.js';
export { onnxFeeds, tableColumns, OnnxInputError, type OnnxSidecar, type OnnxInputSpec, type InputColumn, type Feed } from './inputs.js';
export { GraphBuilder, decodeModel, OPSET, IR_VERSION } from './graph.js';
