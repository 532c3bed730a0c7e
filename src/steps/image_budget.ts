// The working size of large photos under a time budget: the largest side
// (aspect kept) at which step 3 can train enough epochs in its share of the
// budget, from measured times. Each candidate side's ResNet (the one step 2
// would propose for it) trains a small batch of random images, forward and
// backward; sides are tried from the smallest up and the search stops at the
// first that does not fit, so the measuring costs little. Small images
// (up to DEFAULT_MAX_SIDE) are never measured: they keep their own size.
import { randn, tidy, manualSeed, getRngState, setRngState } from '../tensor/index.js';
import { resnetFor, ResNet } from '../models/index.js';
import { DEFAULT_MAX_SIDE, type NaturalImages, type SideCap } from '../data/image_size.js';

export interface ImageBudgetOptions {
  /** The whole command's budget in seconds. */
  budgetSeconds: number;
  /** Share of the budget step 3 trains in (AUTOPILOT_BUDGET.step3Share.image). */
  step3Share: number;
  /** Epochs step 3 must fit; default 5. */
  minEpochs?: number;
  /** Share of the images that train (the rest validate and test); default 0.7. */
  trainShare?: number;
  /** An epoch over a batch's training time: validation and loading; default 1.5. */
  epochMargin?: number;
  /** Longer sides tried, ascending; default 32, 48, 64, 96, 128, 160, 192, 224. */
  sides?: number[];
  /** Seconds per image (forward and backward) at a shape; default: measured (timeImage). */
  secondsPerImage?: (shape: { channels: number; height: number; width: number }) => number;
}

/** Seconds per image of a training step (forward and backward) of step 2's ResNet at this shape, on random images (the second of two batches). */
export function timeImage(shape: { channels: number; height: number; width: number }, batch = 8): number {
  const rng = getRngState();
  manualSeed(0);
  const model = new ResNet(resnetFor({ inChannels: shape.channels, classes: 10, height: shape.height, width: shape.width }));
  try {
    let seconds = 0;
    for (let i = 0; i < 2; i++) {
      const t0 = performance.now();
      tidy(() => model.forward(randn([batch, shape.channels, shape.height, shape.width])).square().mean().backward());
      seconds = (performance.now() - t0) / 1000;
    }
    return seconds / batch;
  } finally {
    model.dispose();
    setRngState(rng);
    rng.dispose();
  }
}

/** The cap on the working side of these images that fits the budget, with the arithmetic. */
export function imageCapForBudget(natural: NaturalImages, o: ImageBudgetOptions): SideCap {
  const longer = Math.max(natural.width, natural.height);
  if (longer <= DEFAULT_MAX_SIDE) return { side: DEFAULT_MAX_SIDE, reason: 'small images keep their size' };
  const minEpochs = o.minEpochs ?? 5;
  const trainShare = o.trainShare ?? 0.7;
  const margin = o.epochMargin ?? 1.5;
  const measure = o.secondsPerImage ?? timeImage;
  const seconds = o.budgetSeconds * o.step3Share;
  const sides = (o.sides ?? [32, 48, 64, 96, 128, 160, 192, 224]).filter((s) => s < longer);
  const trainImages = Math.max(1, Math.round(natural.count * trainShare));
  let best: { side: number; epochSeconds: number } | null = null;
  let over: { side: number; epochSeconds: number } | null = null;
  for (const side of sides) {
    const scale = side / longer;
    const shape = { channels: natural.channels, height: Math.max(1, Math.round(natural.height * scale)), width: Math.max(1, Math.round(natural.width * scale)) };
    const epochSeconds = trainImages * measure(shape) * margin;
    if (epochSeconds * minEpochs > seconds) {
      over = { side, epochSeconds };
      break;
    }
    best = { side, epochSeconds };
  }
  const f = (v: number) => v.toPrecision(3);
  const budget = `step 3's ${f(seconds)} s (${Math.round(o.step3Share * 100)} % of the ${f(o.budgetSeconds)} s budget) for ${minEpochs} epochs of ${trainImages} training images`;
  if (!best) {
    const side = sides[0] ?? DEFAULT_MAX_SIDE;
    return { side, reason: `no size fits ${budget} (at ${side}: ${f(over?.epochSeconds ?? NaN)} s per epoch, measured): the smallest tried; a larger --budget allows more` };
  }
  return { side: best.side, reason: `the largest side that fits ${budget}: ${f(best.epochSeconds)} s per epoch measured at ${best.side}${over ? `, ${f(over.epochSeconds)} s at ${over.side}` : ''}` };
}
