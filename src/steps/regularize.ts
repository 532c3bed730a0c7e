// Step 4 — fit the validation set: the regularization ladder in the playbook's
// order, each rung tried only while the train/validation gap stays open, a
// rung kept only when its best candidate beats the incumbent beyond the noise
// — with the multiplicity of the candidates tried paid for (protocol/
// selection.ts) — every decision logged with the numbers behind it. Every
// candidate trains and is measured through the run's protocol (holdout or k
// folds): eval mode, the unweighted measure, the fixed training subset, row by
// row. Rungs: dropout before the last linear layer, dropout in earlier layers,
// weight decay, batch norm, augmentation (images), the learning curve (would
// more data help?), and a random architecture search when regularization
// stops helping. Input normalization is no rung: the inputs are standardized
// from the start, with the training rows' statistics.
import { Rng } from '../data/index.js';
import { bestBy, objective } from '../metrics/index.js';
import type { ModelSpec } from './architecture.js';
import type { Decision, DecisionLog } from './decisions.js';
import { gapOpen, gapTolerance, type GapRule } from './ladder_rules.js';
import type { AcceptRule } from '../protocol/index.js';
import type { Candidate, FitRecipe, Measured, PlaybookProtocol } from './protocol_of.js';
import { learningCurveVerdict, type CurvePoint } from './learning_curve.js';

export { gapOpen };
export type { Candidate, Measured };

export interface LadderOptions {
  /** Where candidates train and how they are measured and compared (steps/protocol_of.ts). */
  protocol: PlaybookProtocol;
  start: Candidate;
  /** The measured starting point (step 3's result, as the protocol measures it). */
  startScore: Measured;
  /** How every probe trains (optimizer, rate, epochs, schedule, seed, callbacks, the augmentation transforms; `augment: null`: no augmentation rung). */
  recipe: FitRecipe;
  /** Stop starting rungs after this many seconds. */
  budgetSeconds?: number;
  /** When the gap counts as open (ladder_rules.ts gapOpen); it is relative to the protocol's naive baseline (scale-free). */
  gap?: GapRule;
  /** When a rung is kept (protocol/selection.ts acceptBestOf). */
  accept?: AcceptRule;
  /** Random draws per rung (dropout p, weight decay …); default 2. */
  draws?: number;
  /** Training-set fraction for probes (large data); default 1. */
  probeFraction?: number;
  /**
   * Probes differ from the measured start (fewer epochs, less data): train the
   * start as a probe too and compare rungs against it. The gap is then judged
   * on the measured start only, since short probes do not overfit.
   */
  probeStart?: boolean;
  onDecision?: DecisionLog;
  /** ms since epoch; data-parallel ranks share one (agreedClock) so they stop starting rungs together. */
  clock?: () => number;
  /** Called with every trained probe, best or not (to record it). */
  onProbe?: (m: Measured) => void;
}

export interface LadderResult {
  best: Measured;
  decisions: Decision[];
  probes: Measured[];
  /** Whether the ladder ended with the gap closed. */
  gapClosed: boolean;
  /** The learning curve, when the ladder measured it (its last rung before the architecture search). */
  learningCurve?: { curve: CurvePoint[]; stillFalling: boolean };
}

/** Dropout before the last linear layer (`last`) and before every hidden layer after the first (`earlier`): the input features are never dropped. */
export function withDropout(spec: ModelSpec, last: number, earlier: number): ModelSpec {
  if (spec.family === 'tabular') {
    const n = spec.options.hidden.length;
    const dropout = [...Array.from({ length: n }, (_, i) => (i === 0 ? 0 : earlier)), last];
    return { family: 'tabular', options: { ...spec.options, dropout } };
  }
  return { family: 'resnet', options: { ...spec.options, dropout: last } };
}

function dropoutOf(spec: ModelSpec): { last: number; earlier: number } {
  if (spec.family === 'tabular') {
    const d = spec.options.dropout ?? [];
    return { last: d[spec.options.hidden.length] ?? 0, earlier: Math.max(0, ...d.slice(0, spec.options.hidden.length)) };
  }
  return { last: spec.options.dropout ?? 0, earlier: 0 };
}

export async function regularizationLadder(o: LadderOptions): Promise<LadderResult> {
  const pr = o.protocol;
  const kind = pr.defaultSplit.prepared.kind;
  const recipe: FitRecipe = { ...o.recipe, step: 4 };
  const rng = new Rng(recipe.seed ?? 0);
  const decisions: Decision[] = [];
  const probes: Measured[] = [];
  const clock = o.clock ?? Date.now;
  const t0 = clock();
  const log = (d: Omit<Decision, 'step'>) => {
    const full: Decision = { step: 4, ...d };
    decisions.push(full);
    o.onDecision?.(full);
  };
  const obj = recipe.objective ?? objective('loss');
  const draws = o.draws ?? 2;
  const baselineLoss = pr.baseline.loss;
  let best = o.startScore;
  const timeLeft = () => (o.budgetSeconds === undefined ? Infinity : o.budgetSeconds - (clock() - t0) / 1000);
  const open = (m: Measured) => gapOpen(m, baselineLoss, o.gap);
  const tolerance = (m: Measured) => gapTolerance(m.trainLoss, baselineLoss, o.gap);
  const gapNumbers = (m: Measured) => ({ trainLoss: m.trainLoss, validLoss: m.validLoss, gap: m.validLoss - m.trainLoss, tolerance: tolerance(m), baselineLoss, trainLossMeasured: 'eval mode, fixed training subset', ...pr.numbers(m) });
  const spreadOf = (m: Measured) => pr.describe(m);

  const train = async (c: Candidate, fraction = o.probeFraction ?? 1): Promise<Measured> => {
    const { cut: _c, perView: _p, ...m } = await pr.train(c, { ...recipe, onDecision: o.onDecision ? (d) => log(d) : undefined }, { fraction });
    probes.push(m);
    o.onProbe?.(m);
    return m;
  };

  /** Tries candidates; keeps the best if it lowers the validation loss. */
  const rung = async (name: string, candidates: Candidate[]): Promise<boolean> => {
    if (timeLeft() <= 0) {
      log({ action: `skip ${name}`, reason: 'the time budget for step 4 is spent', numbers: { budgetSeconds: o.budgetSeconds ?? null } });
      return false;
    }
    const tried: Measured[] = [];
    for (const c of candidates) {
      if (timeLeft() <= 0) break;
      tried.push(await train(c));
    }
    if (!tried.length) return false;
    if (obj.metric !== 'loss') {
      // The optimising metric decides; quoted with the figures it used.
      const top = bestBy(obj, tried, (t) => t) ?? tried[0];
      const [now, then] = [obj.read(top), obj.read(best)];
      const numbers = { rung: name, metric: obj.metric, tried: tried.map((t) => ({ label: t.candidate.label, [obj.metric]: obj.read(t), validLoss: t.validLoss, trainLoss: t.trainLoss, ...pr.numbers(t) })), before: then, k: tried.length };
      if (now !== null && (then === null || obj.clearlyBetter(now, then, 0.005))) {
        // A metric such as AUC has no per-row figure to test: the decision says it is the best of k on the same rows, untested.
        log({ action: `keep ${top.candidate.label}`, reason: `${name}: ${obj.describe(then)} → ${now.toPrecision(4)}, the best of ${tried.length} tried (the optimising metric, ${obj.direction === 'max' ? 'higher' : 'lower'} is better; at least 0.5 % better on the same validation rows, no test of the noise for this metric)`, numbers });
        best = top;
        return true;
      }
      log({ action: `reject ${name}`, reason: `${name} did not improve the optimising metric (best tried ${obj.describe(now)} against ${then === null ? '–' : then.toPrecision(4)})`, numbers });
      return false;
    }
    const top = tried.reduce((a, b) => (b.validLoss < a.validLoss ? b : a));
    const verdict = pr.compare(top, best, tried.length, o.accept);
    const numbers = { rung: name, tried: tried.map((t) => ({ label: t.candidate.label, validLoss: t.validLoss, trainLoss: t.trainLoss, ...pr.numbers(t) })), before: best.validLoss, ...(best.folds ? { beforeFolds: best.folds.validLoss } : {}), gain: verdict.gain, z: verdict.z, zNeeded: verdict.zNeeded, k: verdict.k, rows: verdict.rows };
    if (verdict.accept) {
      log({ action: `keep ${top.candidate.label}`, reason: `${name}: validation loss ${spreadOf(best)} → ${spreadOf(top)}; ${verdict.why}`, numbers });
      best = top;
      return true;
    }
    log({ action: `reject ${name}`, reason: `${name} did not lower the validation loss clearly enough (best tried ${spreadOf(top)} against ${spreadOf(best)}; ${verdict.why})`, numbers });
    return false;
  };

  const closed = () => !o.probeStart && !open(best);
  const stopIfClosed = (after: string): boolean => {
    if (!closed()) return false;
    log({ action: 'stop the ladder', reason: `the train/validation gap is closed after ${after} (${(best.validLoss - best.trainLoss).toPrecision(3)} ≤ tolerance ${tolerance(best).toPrecision(3)}, relative to the training loss and the baseline's ${baselineLoss.toPrecision(4)})`, numbers: gapNumbers(best) });
    return true;
  };

  if (!open(best)) {
    log({ action: 'no regularization', reason: `the model does not overfit: validation loss ${best.validLoss.toPrecision(4)} is within the gap tolerance ${tolerance(best).toPrecision(3)} of the training loss ${best.trainLoss.toPrecision(4)} (eval mode, fixed training subset), so regularization would not help (if both are high, the problem is bias: step 3)`, numbers: gapNumbers(best) });
    return { best, decisions, probes, gapClosed: true };
  }
  log({ action: 'start the regularization ladder', reason: `the model overfits: validation loss ${best.validLoss.toPrecision(4)} against training loss ${best.trainLoss.toPrecision(4)} (eval mode, fixed training subset), a gap above the tolerance ${tolerance(best).toPrecision(3)}`, numbers: gapNumbers(best) });
  if (o.probeStart) {
    best = await train(o.start);
    log({ action: 'probe the starting point', reason: `rungs are compared on short probes (${recipe.epochs} epochs${(o.probeFraction ?? 1) < 1 ? ` on ${Math.round((o.probeFraction ?? 1) * 100)} % of the training data` : ''}); the starting configuration scores ${best.validLoss.toPrecision(4)} there`, numbers: gapNumbers(best) });
  }
  const draw = (lo: number, hi: number) => Number(rng.uniform(lo, hi).toFixed(3));
  const logDraw = (lo: number, hi: number) => Number(Math.exp(rng.uniform(Math.log(lo), Math.log(hi))).toPrecision(3));

  // 1. Dropout before the last linear layer, p searched in [0.1, 0.5].
  const cur = () => best.candidate;
  await rung('dropout before the last linear layer', Array.from({ length: draws }, () => {
    const p = draw(0.1, 0.5);
    return { ...cur(), spec: withDropout(cur().spec, p, dropoutOf(cur().spec).earlier), label: `dropout ${p} before the last layer` };
  }));
  if (stopIfClosed('dropout before the last layer')) return { best, decisions, probes, gapClosed: true };

  // 2. Then dropout in earlier layers (tables: before every hidden layer after the first; the inputs are never dropped).
  const curSpec = cur().spec;
  if (curSpec.family === 'tabular' && curSpec.options.hidden.length < 2) {
    log({ action: 'skip dropout in earlier layers', reason: 'the network has one hidden layer: the only earlier linear layer reads the input features, which are not dropped' });
  } else if (curSpec.family === 'tabular') {
    await rung('dropout in earlier layers', Array.from({ length: draws }, () => {
      const p = draw(0.1, 0.5);
      return { ...cur(), spec: withDropout(cur().spec, dropoutOf(cur().spec).last, p), label: `dropout ${p} in earlier layers` };
    }));
    if (stopIfClosed('dropout in earlier layers')) return { best, decisions, probes, gapClosed: true };
  }

  // 3. Weight decay, log-uniform.
  await rung(`weight decay (${recipe.optimizer === 'adamw' ? 'decoupled' : 'L2'})`, Array.from({ length: draws }, () => {
    const wd = logDraw(1e-5, 1e-1);
    return { ...cur(), weightDecay: wd, label: `weight decay ${wd}` };
  }));
  if (stopIfClosed('weight decay')) return { best, decisions, probes, gapClosed: true };

  // Input normalization is the playbook's next rung, and no rung here: it is on from the start.
  log({ action: 'input normalization: already on (no rung to try)', reason: kind === 'image' ? 'pixels were normalized per channel from the start, with the training images\' mean and standard deviation (reused unchanged for validation, test and serving); there is nothing to switch on' : 'numeric inputs were standardized from the start, with the training rows\' mean and standard deviation (reused unchanged for validation, test and serving); there is nothing to switch on' });

  // 5. Batch normalization (ResNets have it already).
  if (cur().spec.family === 'tabular') {
    const spec = cur().spec;
    if (spec.family === 'tabular' && !spec.options.batchNorm) {
      await rung('batch normalization', [{ ...cur(), spec: { family: 'tabular', options: { ...spec.options, batchNorm: true } }, label: 'batch norm after each hidden layer' }]);
      if (stopIfClosed('batch normalization')) return { best, decisions, probes, gapClosed: true };
    }
  } else if (cur().spec.family === 'resnet') {
    log({ action: 'batch normalization: already on', reason: 'every ResNet block normalizes its activations, with running statistics for evaluation' });
  }

  // 6. Data augmentation: images; the seed notes it is unstudied for tables and text.
  if (kind === 'image' && recipe.augment === null) {
    log({ action: 'no augmentation', reason: 'switched off (--augment none)' });
  } else if (kind === 'image') {
    if (!cur().augment) {
      await rung('data augmentation', [{ ...cur(), augment: true, label: 'augmentation (flips, small rotations and shifts, crops, lighting, erasing)' }]);
      if (stopIfClosed('data augmentation')) return { best, decisions, probes, gapClosed: true };
    }
  } else {
    log({ action: 'no augmentation', reason: 'augmentation of structured data or text has not really been studied (the seed); tabular noise and mixup stay off' });
  }

  // 7. More data? The learning curve: validation loss against training-set fraction.
  let learningCurve: LadderResult['learningCurve'];
  if (timeLeft() > 0) {
    const fractions = [0.25, 0.5];
    const curve: CurvePoint[] = [];
    for (const f of fractions) {
      if (timeLeft() <= 0) break;
      curve.push({ fraction: f, validLoss: (await train({ ...cur(), label: `learning curve at ${f * 100} %` }, (o.probeFraction ?? 1) * f)).validLoss });
    }
    curve.push({ fraction: 1, validLoss: best.validLoss });
    const v = learningCurveVerdict(curve);
    learningCurve = { curve, stillFalling: v.stillFalling };
    log({
      action: v.stillFalling ? 'more data would help' : 'more data would help little',
      reason: v.stillFalling ? `validation loss still falls with more training data (${v.quoted}): collecting more labeled data is the best cure for overfitting` : `the learning curve has flattened (${v.quoted})`,
      numbers: { curve },
    });
  }

  // 8. Architecture search when regularization stops helping.
  if ((o.probeStart || open(best)) && cur().spec.family === 'tabular' && timeLeft() > 0) {
    const spec = cur().spec;
    if (spec.family === 'tabular') {
      // A linear model (no hidden layer) gives no width: search around 64 units (as search_space.ts).
      const w = spec.options.hidden[0] ?? 64;
      await rung('architecture search (random depth and width)', Array.from({ length: draws + 1 }, () => {
        const layers = 1 + rng.int(3);
        const hidden = Array.from({ length: layers }, () => Math.max(2, Math.round(Math.exp(rng.uniform(Math.log(Math.max(2, w / 4)), Math.log(w * 4))))));
        const d = dropoutOf(spec);
        const options = { ...spec.options, hidden };
        return { ...cur(), spec: withDropout({ family: 'tabular', options }, d.last, d.earlier), label: `hidden layers [${hidden.join(', ')}]` };
      }));
    }
  }
  const gapClosed = !o.probeStart && !open(best);
  log({ action: gapClosed ? 'ladder done: gap closed' : 'ladder done: gap still open', reason: `best validation loss ${best.validLoss.toPrecision(4)} (training ${best.trainLoss.toPrecision(4)}) with ${best.candidate.label}`, numbers: gapNumbers(best) });
  return { best, decisions, probes, gapClosed, learningCurve };
}
