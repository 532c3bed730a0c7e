// Trained-model artifacts.
export { readModelDir, ModelDirError, MANIFEST, WEIGHTS, CHECKSUMS, type ModelManifest } from './model_dir.js';
export { writeModelPackage, saveModelDir, checksummedJson, type ModelRecord, type ModelPackageOptions } from './model_package.js';
