// Cancel exceptions: a callback throws one to stop the current batch, the
// training or validation phase, the epoch, or the whole fit (fastai's
// control flow). The loop catches each at its level and fires afterCancel….

export class CancelBatch extends Error {
  override name = 'CancelBatch';
}
export class CancelTrain extends Error {
  override name = 'CancelTrain';
}
export class CancelValidate extends Error {
  override name = 'CancelValidate';
}
export class CancelEpoch extends Error {
  override name = 'CancelEpoch';
}
export class CancelFit extends Error {
  override name = 'CancelFit';
}
