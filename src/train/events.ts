// The named events of the training loop, in the order a fit fires them.
// test/train/events.test.ts pins this order with a golden list.

export const EVENTS = [
  'beforeFit',
  'beforeEpoch',
  'beforeTrain',
  'beforeBatch',
  'afterPred',
  'afterLoss',
  'beforeBackward',
  'afterBackward',
  'beforeStep',
  'afterStep',
  'afterCancelBatch',
  'afterBatch',
  'afterCancelTrain',
  'afterTrain',
  'beforeValidate',
  'afterCancelValidate',
  'afterValidate',
  'afterCancelEpoch',
  'afterEpoch',
  'afterCancelFit',
  'afterFit',
] as const;

export type EventName = (typeof EVENTS)[number];
