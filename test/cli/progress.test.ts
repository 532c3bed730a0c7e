// An epoch's progress line: the loss (training and validation) and the
// optimising metric when it is not the loss; the other metrics stay in
// --json and the store.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { epochSummary } from '../../src/cli/progress.js';

describe('epoch progress line', () => {
  const e = { trainLoss: 0.41234, validLoss: 0.50119, metrics: { accuracy: 0.81234, macroF1: 0.7, auc: 0.9, logLoss: 0.5 } };
  it('shows the losses only when the loss is the optimising metric', () => {
    assert.equal(epochSummary(e), 'loss: train 0.4123, validation 0.5012');
  });
  it('adds the optimising metric, and nothing else', () => {
    assert.equal(epochSummary(e, 'macroF1'), 'loss: train 0.4123, validation 0.5012; validation macroF1 0.7000');
    assert.equal(epochSummary({ ...e, validLoss: null, metrics: {} }, 'accuracy'), 'loss: train 0.4123, validation –; validation accuracy –');
  });
});
