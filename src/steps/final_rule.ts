// Whether the autopilot trains a final model after the ladder, and why: a
// configuration the ladder changed must be trained; images train longer than
// their short exploration; and while the training set is not fitted (the bias
// gap is open) or the model does not yet beat the linear reference, the time
// left goes to more training — never to nothing.
export function finalTrainingReason(o: { changed: boolean; image: boolean; biasGap: boolean; behindLinear?: boolean }): string | null {
  if (o.changed) return 'the ladder found a configuration with a lower validation loss';
  if (o.biasGap) return 'the training set is not fitted (the bias gap is open): the time left goes to training longer';
  if (o.behindLinear) return 'the model does not yet beat the linear reference on validation: the time left goes to training longer';
  if (o.image) return 'the remaining budget goes to training longer';
  return null;
}

