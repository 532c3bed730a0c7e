// The tensor engine: libtorch tensors, autograd and memory scopes.
export { Tensor } from './tensor.js';
export { tensor, zeros, ones, empty, full, randn, rand, randint, randperm, arange, linspace, eye, zerosLike, onesLike, randnLike, fullLike } from './create.js';
export type { TensorOptions } from './create.js';
export { cat, stack, where, op } from './functions.js';
export { opId, opSchema, listOps } from './ops.js';
export { tidy, keep, dispose, liveTensors } from './scope.js';
export { noGrad, enableGrad, isGradEnabled } from './autograd.js';
export { manualSeed, setNumThreads, getNumThreads, getRngState, setRngState, cudaAvailable, cudaDeviceCount, engineInfo } from './runtime.js';
export { blasInfo, classifyBlas, type BlasInfo, type BlasKind } from './blas.js';
export { engineReport, describeEngine, type EngineReport } from './engine_report.js';
export { saveSafetensors, loadSafetensors, encodeSafetensors, decodeSafetensors, readSafetensorsHeader, SafetensorsError, type SafetensorsHeader, type SafetensorsEntry } from './safetensors.js';
export type { DType, TypedArray } from './dtype.js';
export type { MemoryFormat } from './memory_format.js';
export * from './errors.js';
export { resolveDevice, probeDevices, DeviceUnavailableError, type DeviceProbe } from './device.js';
