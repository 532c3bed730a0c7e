// ONNX Runtime is optional. onnxruntime-node is an optional peer dependency:
// its install script downloads CUDA provider files from outside the npm
// registry on Linux x64 (and an install fails where that host is
// unreachable), so installing sixstep never installs it. The ONNX engine
// needs it; without it `serve` runs on libtorch and says how to add it.
// (No type of onnxruntime-node appears in this file's declarations: a
// project without the package type-checks against sixstep all the same.)
import { OnnxRuntimeMissingError } from './errors.js';

/** The one command that adds ONNX Runtime's CPU build without its download (the version sixstep is tested with). */
export const ONNX_RUNTIME_INSTALL = 'ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node@~1.30.0';

/** Whether `e` says that onnxruntime-node is not installed (rather than that it failed to load). */
export function isOnnxRuntimeMissing(e: unknown): boolean {
  return (e as { code?: string } | null)?.code === 'ERR_MODULE_NOT_FOUND' && String((e as Error).message).includes("'onnxruntime-node'");
}

/** The error the ONNX engine throws without onnxruntime-node, naming the command that installs it. */
export function onnxRuntimeMissing(): OnnxRuntimeMissingError {
  return new OnnxRuntimeMissingError(`the ONNX engine needs onnxruntime-node, an optional dependency that is not installed: run \`${ONNX_RUNTIME_INSTALL}\` in your project (or serve with --engine torch)`);
}

/** Whether onnxruntime-node can be loaded (false only when it is not installed). */
export async function onnxRuntimeInstalled(): Promise<boolean> {
  try {
    await import('onnxruntime-node');
    return true;
  } catch (e) {
    if (isOnnxRuntimeMissing(e)) return false;
    throw e;
  }
}
