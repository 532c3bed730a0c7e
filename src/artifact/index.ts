// Trained-model artifacts.
export { readModelDir, loadModelDir, neutralInput, ModelDirError, MANIFEST, WEIGHTS, CHECKSUMS, type ModelManifest, type ModelDir, type NeutralInput } from './model_dir.js';
export { manifestProblem } from './manifest_check.js';
export { writeModelPackage, saveModelDir, checksummedJson, type ModelRecord, type ModelPackageOptions } from './model_package.js';
