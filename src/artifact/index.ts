// Trained-model artifacts.
export { saveModelDir, readModelDir, loadModelDir, neutralInput, ModelDirError, MANIFEST, WEIGHTS, CHECKSUMS, type ModelManifest, type ModelDir, type NeutralInput } from './model_dir.js';
export { manifestProblem } from './manifest_check.js';
