// Predictions over a source, gathered for the report: the confusion matrix
// of a classifier, predicted against true values of a regressor.
import { noGrad, tidy } from '../tensor/index.js';
import type { Module } from '../nn/index.js';
import type { BatchSource } from '../train/index.js';

export interface ConfusionMatrix {
  classes: string[];
  /** counts[true][predicted] */
  counts: number[][];
}

export async function confusionMatrix(model: Module, source: BatchSource, classes: string[], binary: boolean): Promise<ConfusionMatrix> {
  const k = classes.length;
  const counts = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const was = model.training;
  model.eval();
  try {
    for await (const b of source.batches(0)) {
      try {
        const [pred, truth] = noGrad(() =>
          tidy(() => {
            const out = model.forward(b.x);
            const p = binary ? out.reshape(-1).gt(0).long() : out.argmax(-1);
            return [p.toArray(), b.y.toArray()];
          }),
        );
        for (let i = 0; i < pred.length; i++) counts[truth[i]][pred[i]]++;
      } finally {
        b.x.dispose();
        b.y.dispose();
      }
    }
  } finally {
    model.train(was);
  }
  return { classes, counts };
}

export async function regressionPairs(model: Module, source: BatchSource, limit = 2000): Promise<Array<{ truth: number; predicted: number }>> {
  const out: Array<{ truth: number; predicted: number }> = [];
  const was = model.training;
  model.eval();
  try {
    for await (const b of source.batches(0)) {
      try {
        const [pred, truth] = noGrad(() => tidy(() => [model.forward(b.x).reshape(-1).toArray(), b.y.toArray()]));
        for (let i = 0; i < pred.length && out.length < limit; i++) out.push({ truth: truth[i], predicted: pred[i] });
      } finally {
        b.x.dispose();
        b.y.dispose();
      }
    }
  } finally {
    model.train(was);
  }
  return out;
}
