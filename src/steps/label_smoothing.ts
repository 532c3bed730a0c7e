// Label smoothing for images' final training: the training targets put
// 1 − ε on the labelled class and ε spread over all, so a long schedule stops
// pushing logits apart once the class is clear. Only the training cost
// changes; every measure (validation, the test, the decisions) stays plain
// cross-entropy. Measured on Fashion-MNIST at a 5-minute budget (bench/time_to_accuracy.ts, same seeds):
// 92.52 % and 92.74 % with ε = 0.1 against 92.31 % and 91.75 % without.
import { crossEntropy } from '../nn/index.js';
import type { CostFunctionChoice } from './cost_function.js';

/** ε for images' final training (the value of Szegedy et al. 2016 and torchvision's recipes). */
export const FINAL_LABEL_SMOOTHING = 0.1;

/** The cost the final training trains with: cross-entropy smoothed by `epsilon`, measured unsmoothed; other costs (class weights, binary, regression) unchanged. */
export function smoothedCost(cost: CostFunctionChoice, epsilon: number): CostFunctionChoice {
  if (cost.name !== 'crossEntropy' || !(epsilon > 0)) return cost;
  return { ...cost, fn: (pred, y) => crossEntropy(pred, y, { labelSmoothing: epsilon }), measure: cost.measure ?? cost.fn };
}
