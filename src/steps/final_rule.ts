// Whether the autopilot trains a final model after the ladder, and why: a
// configuration the ladder changed must be trained; images train longer than
// their short exploration; and while the training set is not fitted (the bias
// gap is open) or the model does not yet beat the linear reference, the time
// left goes to more training — never to nothing.
import type { Acceptance } from '../protocol/index.js';

export function finalTrainingReason(o: { changed: boolean; image: boolean; biasGap: boolean; behindLinear?: boolean }): string | null {
  if (o.changed) return 'the ladder found a configuration with a lower validation loss';
  if (o.biasGap) return 'the training set is not fitted (the bias gap is open): the time left goes to training longer';
  if (o.behindLinear) return 'the model does not yet beat the linear reference on validation: the time left goes to training longer';
  if (o.image) return 'the remaining budget goes to training longer';
  return null;
}

/**
 * Most epochs the final training may plan: the kind's cap, raised to
 * `minSteps` optimizer steps — when it trains longer, the epochs of a small
 * table or image set are a few batches each, and the cap alone would leave
 * the time given idle.
 */
export function finalEpochCap(o: { cap: number; minSteps: number; stepsPerEpoch: number }): number {
  return Math.max(o.cap, Math.ceil(o.minSteps / Math.max(1, o.stepsPerEpoch)));
}

/** From this many planned epochs a final training on images shows each one often enough to memorize it: it trains with augmentation. */
export const LONG_TRAINING_EPOCHS = 20;

/**
 * From this many parameters per training image a network can memorize its
 * images over a long schedule. Placed between two measured cases (ResNet-8,
 * 78k parameters): fashion-3000 (2,200 training images, 35 per image) gained
 * from augmentation over 40 epochs (88.3 % with it and label smoothing,
 * 81.8–84.5 % without smoothing or augmentation), while Fashion-MNIST at 15
 * minutes (55,000 images, 1.4 per image, 29 epochs) lost with it: 92.59 %
 * with both, 93.02 % with label smoothing alone (seed 0).
 */
export const MEMORIZING_PARAMETERS_PER_IMAGE = 8;

/**
 * Whether the final training on images uses augmentation, and why (null:
 * not). Augmentation is a variance remedy: it is used when the model still
 * overfits, or when it fits its training images, the final training shows
 * each one LONG_TRAINING_EPOCHS times or more and the network has enough
 * parameters per image to memorize them. With the bias gap open it waits: the
 * playbook fits the training set first, and augmentation slows that down. The
 * step-3 model is kept instead when it is clearly better on validation
 * (keepContinuedTraining).
 */
export function augmentFinalTraining(o: { overfits: { validLoss: number; trainLoss: number } | null; fitted: boolean; plannedEpochs: number; parametersPerImage: number }): string | null {
  const after = 'augmentation works over long training, which short probes cannot show, and the step-3 model is kept instead if it is clearly better on validation';
  if (o.overfits) return `the model still overfits (validation ${o.overfits.validLoss.toPrecision(4)} against training ${o.overfits.trainLoss.toPrecision(4)}, eval mode); ${after}`;
  if (o.fitted && o.plannedEpochs >= LONG_TRAINING_EPOCHS && o.parametersPerImage >= MEMORIZING_PARAMETERS_PER_IMAGE) return `the final training shows each training image ${o.plannedEpochs.toFixed(1)} more times, the model fits them and has ${o.parametersPerImage.toFixed(1)} parameters per image (rule: from ${LONG_TRAINING_EPOCHS} epochs and ${MEMORIZING_PARAMETERS_PER_IMAGE} parameters per image, augmented, or a network memorizes its images); ${after}`;
  return null;
}

/**
 * Why a long final training that is not augmented does without it (null:
 * nothing to say — short, not fitted, or augmented): the network has too few
 * parameters per image to memorize them, and label smoothing is its
 * regularizer; with both, ResNet-8 under-fits Fashion-MNIST.
 */
export function noAugmentationReason(o: { fitted: boolean; plannedEpochs: number; parametersPerImage: number }): string | null {
  if (!o.fitted || o.plannedEpochs < LONG_TRAINING_EPOCHS || o.parametersPerImage >= MEMORIZING_PARAMETERS_PER_IMAGE) return null;
  return `the final training shows each training image ${o.plannedEpochs.toFixed(1)} more times, but the network has ${o.parametersPerImage.toFixed(2)} parameters per image (rule: augmented from ${MEMORIZING_PARAMETERS_PER_IMAGE}): too few to memorize them, and augmentation on top of label smoothing would hold the fit back (Fashion-MNIST at 15 minutes: 92.59 % with both, 93.02 % with smoothing alone)`;
}

/** Validation figures on the same rows (row losses for the paired test). */
export interface RowFigures {
  validLoss: number;
  rowLosses?: number[];
}

/**
 * The final training of the same configuration, continued from the kept
 * weights, is the plan's result — its schedule ran to its annealed end — and
 * the earlier model a guard against a training that went wrong: the earlier
 * model stays only when it beats the final one by the protocol's paired test
 * (one candidate). A plain "lower loss wins" would throw away thirty epochs
 * for a difference within the noise of the validation rows (on
 * Fashion-MNIST: 0.2175 against 0.2161, and 91.2 % test accuracy kept).
 */
export function keepContinuedTraining(final: RowFigures, earlier: RowFigures, compare: (c: RowFigures, i: RowFigures, k: number) => Acceptance): { keep: boolean; why: string } {
  const guard = compare(earlier, final, 1);
  const both = `validation loss ${final.validLoss.toPrecision(4)} against the earlier model's ${earlier.validLoss.toPrecision(4)}`;
  return guard.accept
    ? { keep: false, why: `${both}: the earlier model is clearly better (${guard.why})` }
    : { keep: true, why: `${both}: the earlier model is not better by the paired test (${guard.why}), so the planned training to the end of its schedule stands` };
}
