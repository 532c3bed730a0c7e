// Trained-model artifacts.
export { saveModelDir, readModelDir, ModelDirError, MANIFEST, WEIGHTS, CHECKSUMS, type ModelManifest } from './model_dir.js';
