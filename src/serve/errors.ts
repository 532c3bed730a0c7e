// Bad input at serving time: a field the model needs is absent or holds a
// value of the wrong type. It names the field and the row so a client can fix
// its request; the HTTP layer maps it to 400 (missing) or 422 (wrong type).

export class InputError extends Error {
  override name = 'InputError';
  constructor(
    /** The offending field (a column name, or a body path such as "labels[2].id"). */
    readonly field: string,
    /** 0-based index of the row in the request, or null for the request as a whole. */
    readonly row: number | null,
    /** 'missing' (absent field) or 'type' (present but unusable). */
    readonly problem: 'missing' | 'type',
    message: string,
  ) {
    super(message);
  }

  get status(): 400 | 422 {
    return this.problem === 'missing' ? 400 : 422;
  }

  toJSON(): { error: string; field: string; row: number | null; problem: string } {
    return { error: this.message, field: this.field, row: this.row, problem: this.problem };
  }
}

/**
 * A request the server could not answer for a reason of its own, said to the
 * client and logged: 503 when a serving thread died (the request may be sent
 * again: the thread is being restarted), 500 when the model's output is
 * unusable for an ordinary input (never answered as a null prediction).
 */
export class ServeFault extends Error {
  override name = 'ServeFault';
  constructor(
    readonly status: 500 | 503,
    /** What failed, in a few words ('onnx-worker-exit', 'non-finite-output'). */
    readonly problem: string,
    message: string,
  ) {
    super(message);
  }

  toJSON(): { error: string; problem: string } {
    return { error: this.message, problem: this.problem };
  }
}

/** A model directory that verifies but holds a model kind this server cannot feed from JSON rows. */
export class UnsupportedModelError extends Error {
  override name = 'UnsupportedModelError';
}

/** The ONNX engine was asked for and onnxruntime-node (an optional dependency) is not installed; the message names the command. */
export class OnnxRuntimeMissingError extends Error {
  override name = 'OnnxRuntimeMissingError';
}
