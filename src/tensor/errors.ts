// Typed errors at the native boundary: every libtorch exception arrives as one
// of these, carrying libtorch's own message (without its C++ backtrace).

/** Base class of every error raised by the engine. */
export class TorchError extends Error {
  override name = 'TorchError';
}
/** Shapes do not fit together (broadcasting, matmul, view, cat …). */
export class ShapeError extends TorchError {
  override name = 'ShapeError';
}
/** A dtype the operation does not accept, or two dtypes that do not mix. */
export class DTypeError extends TorchError {
  override name = 'DTypeError';
}
/** Tensors on different devices, or a device this libtorch lacks. */
export class DeviceError extends TorchError {
  override name = 'DeviceError';
}
/** An index or dimension out of range. */
export class IndexError extends TorchError {
  override name = 'IndexError';
}
/** A JavaScript argument of the wrong kind (not a libtorch failure). */
export class ArgumentError extends TorchError {
  override name = 'ArgumentError';
}
/** A tensor used after dispose() (or after its tidy() scope ended). */
export class DisposedTensorError extends TorchError {
  override name = 'DisposedTensorError';
}
/** An operator with no kernel for these arguments' backend or dtype. */
export class NotImplementedError extends TorchError {
  override name = 'NotImplementedError';
}
/** The allocator could not satisfy a request. */
export class OutOfMemoryError extends TorchError {
  override name = 'OutOfMemoryError';
}
/** A collective or rendezvous failed: a peer died, never arrived or timed out, or Gloo is missing. */
export class DistributedError extends TorchError {
  override name = 'DistributedError';
}
/** The native addon is missing or was built against another libtorch. */
export class NativeBuildError extends Error {
  override name = 'NativeBuildError';
}

export const errorClasses = {
  TorchError,
  ShapeError,
  DTypeError,
  DeviceError,
  IndexError,
  ArgumentError,
  DisposedTensorError,
  NotImplementedError,
  OutOfMemoryError,
  DistributedError,
};
