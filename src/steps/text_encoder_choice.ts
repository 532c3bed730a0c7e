// Step 2, measured: where a text column's statistics do not settle its encoder
// (text_encoder_rule.ts), train the network with each — a bag of word and
// word-pair embeddings, and the playbook's embedding + LSTM — for the same
// share of time, on the same rows, with the same recipe, and keep the one
// with the lower validation loss (eval mode). The bag, far cheaper, is kept
// unless the LSTM is lower by more than noise (keepIfLower's tolerance of the
// naive baseline's loss). Logged like any other rung, with the numbers.
import type { Prepared } from '../data/prepare.js';
import type { ModelSpec, TextEncoderSpec } from '../models/index.js';
import { Deadline, type Callback } from '../train/index.js';
import type { CostFunctionChoice } from './cost_function.js';
import type { Decision } from './decisions.js';
import type { Plan } from './plan.js';
import { fitModel } from './fit.js';
import { timeEpoch } from './epoch_timer.js';
import { keepIfLower } from './measured_choice.js';
import { textEncoderSpec } from './text_encoder_rule.js';
import { describeModel } from './architecture.js';
import { tuning } from './tuning_guard.js';

/** Encoder per text column, as chosen. */
export type TextEncoders = Record<string, 'bag' | 'lstm'>;

/** The recipe every candidate trains with: Adam at a rate both encoders train well at, warm restarts, batches of 64. */
export const PROBE_LR = 2e-3;
export const PROBE_BATCH = 64;
/** At most this many epochs per candidate (the comparison needs a trend, not a finished model). */
export const PROBE_EPOCHS = 8;
/** The share of the autopilot's budget the comparison may take. */
export const TEXT_ENCODER_SHARE = 0.2;

export interface TextEncoderChoiceOptions {
  prepared: Prepared;
  /** The proposal's spec (its unclear columns are measured). */
  spec: ModelSpec;
  /** Columns to measure. */
  columns: string[];
  cost: CostFunctionChoice;
  baselineLoss: number;
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
    const timings = await Promise.all(candidates.map((c) => timeEpoch(o.prepared, { spec: c.spec, cost: o.cost, batchSize: PROBE_BATCH, seed: o.seed })));
    const epochs = Math.min(PROBE_EPOCHS, ...timings.map((t) => Math.floor(perColumn / 2 / t.secondsPerEpoch)));
    const times = timings.map((t, i) => `${candidates[i].encoder} ${t.secondsPerEpoch.toPrecision(3)} s`).join(', ');
    const current = (spec.family === 'tabular' ? spec.options.texts?.find((t) => t.column === column)?.encoder : undefined) ?? 'bag';
    if (epochs < 1) {
      chosen[column] = current;
      o.log({ step: 2, action: `text encoder for ${JSON.stringify(column)}: ${current === 'bag' ? 'bag of words' : 'LSTM'}, as proposed (not measured)`, reason: `measuring both encoders needs an epoch of each, and an epoch takes ${times} against the ${perColumn.toFixed(1)} s this comparison may take; a larger --budget measures it`, numbers: { secondsPerEpoch: Object.fromEntries(timings.map((t, i) => [candidates[i].encoder, t.secondsPerEpoch])), seconds: perColumn } });
      continue;
    }
    const measured: Array<{ encoder: 'bag' | 'lstm'; validLoss: number; epochs: number; params: number }> = [];
    for (const c of candidates) {
      const end = clock() + (perColumn / 2) * 1000;
      const fit = await tuning(() => fitModel(o.prepared, { spec: c.spec, cost: o.cost, optimizer: 'adam', lr: PROBE_LR, batchSize: PROBE_BATCH, epochs, seed: o.seed, callbacks: [new Deadline(end, clock), ...(o.callbacks ?? [])], step: 2, onDecision: o.log, what: `the ${c.encoder} probe of ${JSON.stringify(column)}` }));
      try {
        measured.push({ encoder: c.encoder, validLoss: fit.best?.validLoss ?? NaN, epochs: fit.history.length, params: describeModel(c.spec).reduce((s, r) => s + r.params, 0) });
      } finally {
        fit.dispose();
      }
    }
    const [bag, lstm] = measured;
    const m = keepIfLower({ option: 'the LSTM', withLoss: lstm.validLoss, withoutLoss: bag.validLoss, baselineLoss: o.baselineLoss });
    chosen[column] = m.keep ? 'lstm' : 'bag';
    spec = withEncoder(spec, column, chosen[column], o.prepared);
    o.log({
      step: 2,
      action: `text encoder for ${JSON.stringify(column)}: ${m.keep ? 'embedding + LSTM' : 'bag of words'} (measured)`,
      reason: `the text statistics left it open; each encoder trained ${epochs} epoch(s) at most in ${(perColumn / 2).toFixed(1)} s (Adam ${PROBE_LR}, batches of ${PROBE_BATCH}; bag ${bag.epochs}, LSTM ${lstm.epochs} epoch(s) done; an epoch takes ${times}): ${m.why}${m.keep ? '' : ', so the cheaper bag is kept'}`,
      numbers: { column, bag: { validLoss: bag.validLoss, epochs: bag.epochs, params: bag.params }, lstm: { validLoss: lstm.validLoss, epochs: lstm.epochs, params: lstm.params }, gain: m.gain, needed: m.needed },
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
  if (!chosen && o.measure && columns.length) chosen = await chooseTextEncoders({ prepared: plan.prepared, spec: plan.proposal.spec, columns, cost: plan.cost, baselineLoss: plan.baseline.loss, seconds: o.seconds, seed: o.seed, clock: o.clock, callbacks: o.callbacks, log: o.log });
  if (!chosen) return { plan, chosen };
  let spec = plan.proposal.spec;
  for (const [column, encoder] of Object.entries(chosen)) spec = withEncoder(spec, column, encoder, plan.prepared);
  return { plan: { ...plan, proposal: { ...plan.proposal, spec }, layers: describeModel(spec) }, chosen };
}
