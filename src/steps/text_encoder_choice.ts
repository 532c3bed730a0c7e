// Step 2, measured: where a text column's statistics do not settle its encoder
// (text_encoder_rule.ts), train the network with each — a bag of word and
// word-pair embeddings, and the playbook's embedding + LSTM — for the same
// time (the budget is what both must train in), on the same rows, with the same
// recipe (Adam at the rate the learning-rate finder reads for that network:
// a mean of embeddings wants a larger one than an LSTM), and keep the one with
// the lower validation loss (eval mode). The bag, far cheaper, is kept unless
// the LSTM is lower beyond noise: the protocol's paired test on the same
// validation rows (acceptBestOf). Logged like any other rung, with the numbers.
import type { Prepared } from '../data/prepare.js';
import type { ModelSpec, TextEncoderSpec } from '../models/index.js';
import { Deadline, type Callback } from '../train/index.js';
import type { CostFunctionChoice } from './cost_function.js';
import type { Decision } from './decisions.js';
import type { Plan } from './plan.js';
import { fitTrainingSet } from './fit_training_set.js';
import { timeEpoch } from './epoch_timer.js';
import { acceptBestOf, validationRowLosses } from '../protocol/index.js';
import { textEncoderSpec } from './text_encoder_rule.js';
import { describeModel } from './architecture.js';
import { tuning } from './tuning_guard.js';

/** Encoder per text column, as chosen. */
export type TextEncoders = Record<string, 'bag' | 'lstm'>;

/** The recipe every candidate trains with: Adam at its finder's rate (a short sweep), warm restarts, batches of 64. */
export const PROBE_BATCH = 64;
export const PROBE_FINDER_ITERATIONS = 30;
/** At most this many epochs per candidate (as step 3's cap for tables). */
export const PROBE_EPOCHS = 40;
/** The share of the autopilot's budget the comparison may take. */
export const TEXT_ENCODER_SHARE = 0.2;

export interface TextEncoderChoiceOptions {
  prepared: Prepared;
  /** The proposal's spec (its unclear columns are measured). */
  spec: ModelSpec;
  /** Columns to measure. */
  columns: string[];
  cost: CostFunctionChoice;
  /** Seconds both candidates of all columns may take together. */
  seconds: number;
  seed?: number;
  clock?: () => number;
  callbacks?: Callback[];
  log: (d: Decision) => void;
}

/** The spec with a column's encoder replaced (its slot kept). */
export function withEncoder(spec: ModelSpec, column: string, encoder: 'bag' | 'lstm', prepared: Prepared): ModelSpec {
  if (spec.family !== 'tabular' || prepared.archInput.kind !== 'tabular') return spec;
  const input = prepared.archInput.texts.find((t) => t.column === column);
  if (!input) return spec;
  const texts = (spec.options.texts ?? []).map((t): TextEncoderSpec => (t.column === column ? textEncoderSpec(input, encoder) : t));
  return { family: 'tabular', options: { ...spec.options, texts } };
}

/** Measures each unclear column's two encoders and returns the encoders kept (each decision logged). */
export async function chooseTextEncoders(o: TextEncoderChoiceOptions): Promise<TextEncoders> {
  const clock = o.clock ?? Date.now;
  const chosen: TextEncoders = {};
  let spec = o.spec;
  const perColumn = o.seconds / Math.max(1, o.columns.length);
  for (const column of o.columns) {
    const candidates = (['bag', 'lstm'] as const).map((encoder) => ({ encoder, spec: withEncoder(spec, column, encoder, o.prepared) }));
    const timings = [];
    for (const c of candidates) timings.push(await timeEpoch(o.prepared, { spec: c.spec, cost: o.cost, batchSize: PROBE_BATCH, seed: o.seed }));
    // The same time for each: as many epochs as fit in it after the finder's sweep (an LSTM's epoch costs many of a bag's).
    const epochs = timings.map((t) => Math.min(PROBE_EPOCHS, Math.floor((perColumn / 2 - PROBE_FINDER_ITERATIONS * t.secondsPerBatch) / t.secondsPerEpoch)));
    const times = timings.map((t, i) => `${candidates[i].encoder} ${t.secondsPerEpoch.toPrecision(3)} s`).join(', ');
    const timed = { secondsPerEpoch: Object.fromEntries(timings.map((t, i) => [candidates[i].encoder, t.secondsPerEpoch])), seconds: perColumn / 2 };
    if (epochs[0] < 1 || epochs[1] < 1) {
      // An encoder that cannot train an epoch in its time does not train in the budget: the other one, if it can.
      chosen[column] = epochs[0] >= 1 ? 'bag' : (spec.family === 'tabular' ? spec.options.texts?.find((t) => t.column === column)?.encoder : undefined) ?? 'bag';
      spec = withEncoder(spec, column, chosen[column], o.prepared);
      const name = chosen[column] === 'bag' ? 'bag of words' : 'embedding + LSTM';
      o.log({ step: 2, action: `text encoder for ${JSON.stringify(column)}: ${name} (${epochs[0] >= 1 ? 'the LSTM does not train in the time' : 'as proposed, not measured'})`, reason: `each encoder may take ${(perColumn / 2).toFixed(1)} s here for a finder's sweep (${PROBE_FINDER_ITERATIONS} batches) and at least an epoch, and an epoch takes ${times}${epochs[0] >= 1 ? '' : '; a larger --budget measures them'}`, numbers: timed });
      continue;
    }
    const measured: Array<{ encoder: 'bag' | 'lstm'; validLoss: number; rowLosses: number[]; epochs: number; lr: number; params: number }> = [];
    for (const [i, c] of candidates.entries()) {
      const end = clock() + (perColumn / 2) * 1000;
      // The finder's reading and the guards' decisions stay inside the probe: the decision below quotes the rate.
      const fit = await tuning(() => fitTrainingSet(o.prepared, { spec: c.spec, cost: o.cost, optimizer: 'adam', batchSize: PROBE_BATCH, epochs: epochs[i], seed: o.seed, lrFinder: { numIter: PROBE_FINDER_ITERATIONS }, callbacks: [new Deadline(end, clock), ...(o.callbacks ?? [])] }));
      try {
        measured.push({ encoder: c.encoder, validLoss: fit.best?.validLoss ?? NaN, rowLosses: validationRowLosses(o.prepared, fit.model, o.cost), epochs: fit.history.length, lr: fit.lr, params: describeModel(c.spec).reduce((s, r) => s + r.params, 0) });
      } finally {
        fit.dispose();
      }
    }
    const [bag, lstm] = measured;
    // The best epochs' weights, on the same validation rows in the same order: a paired difference.
    const m = acceptBestOf(lstm, bag, 1);
    chosen[column] = m.accept ? 'lstm' : 'bag';
    spec = withEncoder(spec, column, chosen[column], o.prepared);
    o.log({
      step: 2,
      action: `text encoder for ${JSON.stringify(column)}: ${m.accept ? 'embedding + LSTM' : 'bag of words'} (measured)`,
      reason: `the text statistics left it open; each encoder trained for the same ${(perColumn / 2).toFixed(1)} s (at most ${PROBE_EPOCHS} epochs) with Adam at its finder's rate: the bag ${bag.epochs} epoch(s) at ${bag.lr.toExponential(2)}, the LSTM ${lstm.epochs} at ${lstm.lr.toExponential(2)} (an epoch takes ${times}; batches of ${PROBE_BATCH}); the LSTM against the bag, ${m.why}${m.accept ? '' : ', so the cheaper bag is kept'}`,
      numbers: { column, ...timed, bag: { validLoss: bag.validLoss, epochs: bag.epochs, lr: bag.lr, params: bag.params }, lstm: { validLoss: lstm.validLoss, epochs: lstm.epochs, lr: lstm.lr, params: lstm.params }, gain: m.gain, z: m.z, zNeeded: m.zNeeded, rows: m.rows },
    });
  }
  return chosen;
}

/**
 * The autopilot's call: the plan with its text encoders chosen — measured in
 * `seconds` where the statistics leave them open (once; a resumed run passes
 * the encoders it chose), as proposed otherwise.
 */
export async function planWithTextEncoders(plan: Plan, o: { chosen?: TextEncoders; measure: boolean; seconds: number; seed?: number; clock?: () => number; callbacks?: Callback[]; log: (d: Decision) => void }): Promise<{ plan: Plan; chosen: TextEncoders | undefined }> {
  const columns = plan.proposal.unclearText ?? [];
  let chosen = o.chosen;
  if (!chosen && o.measure && columns.length) chosen = await chooseTextEncoders({ prepared: plan.prepared, spec: plan.proposal.spec, columns, cost: plan.cost, seconds: o.seconds, seed: o.seed, clock: o.clock, callbacks: o.callbacks, log: o.log });
  if (!chosen) return { plan, chosen };
  let spec = plan.proposal.spec;
  for (const [column, encoder] of Object.entries(chosen)) spec = withEncoder(spec, column, encoder, plan.prepared);
  return { plan: { ...plan, proposal: { ...plan.proposal, spec }, layers: describeModel(spec) }, chosen };
}
