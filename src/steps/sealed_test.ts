// Step 5 — verify on a test set that tuning never touched. The only path to
// the test rows: it unseals them, evaluates once, records the evaluation in
// the project's ledger, warns when the test set has been looked at before
// (its result is then optimistic), and when the test result is much worse
// than validation says whether the splits differ (a shift) or tuning fit the
// validation set's noise (shift_or_noise.ts).
import type { Module } from '../nn/index.js';
import type { Store } from '../store/index.js';
import { evaluateModel, type Metric } from '../train/index.js';
import type { CostFunctionChoice } from './cost_function.js';
import type { Prepared } from '../data/prepare.js';
import { isTuning, SealedTestError } from './tuning_guard.js';
import { detailOf, predictSplit } from './split_metrics.js';
import { evaluatePredictions, type Evaluation } from '../metrics/index.js';
import { shiftOrNoise, type ShiftDiagnosis } from './shift_or_noise.js';
import { splitByFlag } from '../data/split_by.js';

export interface TestResult {
  loss: number;
  metrics: Record<string, number>;
  /** How many times this dataset's test split has been evaluated, this time included. */
  evaluations: number;
  warnings: string[];
  advice: string | null;
  /** F1, AUC, R² and the rest on the test rows (null for multilabel); recorded with the run when there is one. */
  evaluation: Evaluation | null;
  /** Tables, when the test loss is much worse: how validation and test differ, and the verdict (shift or noise). */
  diagnosis?: ShiftDiagnosis;
}

/**
 * A model whose test evaluation is not a measurement (a non-finite loss, or
 * one past ABSURD_RATIO times the naive baseline's): its weights are
 * unusable, and the evaluation is not recorded in the ledger.
 */
export class UnusableModelError extends Error {
  override name = 'UnusableModelError';
}

/** A test loss this many times the naive baseline's is no model's honest result, only damaged weights'. */
const ABSURD_RATIO = 1e6;

export interface TestOptions {
  prepared: Prepared;
  model: Module;
  cost: CostFunctionChoice;
  metrics: Metric[];
  store: Store;
  /** The evaluated model (a run id or a model directory's checksum). */
  modelId: string;
  runId?: string | null;
  /** Validation loss of the same model, to compare against. */
  validationLoss?: number | null;
  /** Test loss this much worse than validation (relative) triggers the seed's advice; default 0.25. */
  gapThreshold?: number;
  /** The naive baseline's loss: differences below 5 % of it are noise, whatever their ratio. */
  baselineLoss?: number;
  note?: string;
}

export async function evaluateOnTest(o: TestOptions): Promise<TestResult> {
  if (isTuning()) throw new SealedTestError('step 5 cannot run inside tuning: finish steps 3–4 first');
  const fingerprint = o.prepared.fingerprint;
  const before = o.store.ledger({ datasetFingerprint: fingerprint }).filter((e) => e.metricName === 'loss').length;
  const source = o.prepared.test.unseal(`step 5: evaluating model ${o.modelId}`)();
  let result: { loss: number; metrics: Record<string, number> };
  let evaluation: Evaluation | null = null;
  try {
    result = await evaluateModel(o.model, o.cost.measure ?? o.cost.fn, source, o.metrics);
    // The same unsealing, a second pass: the predictions behind the error-analysis metrics.
    const predictions = await predictSplit(o.model, o.prepared, source);
    evaluation = predictions && evaluatePredictions(predictions, o.prepared.classes);
  } finally {
    source.dispose();
  }
  if (!Number.isFinite(result.loss) || (o.baselineLoss !== undefined && o.baselineLoss > 0 && result.loss > ABSURD_RATIO * o.baselineLoss)) {
    const why = Number.isFinite(result.loss) ? `${result.loss.toPrecision(3)}, over ${ABSURD_RATIO.toExponential(0)} times the naive baseline's ${o.baselineLoss!.toPrecision(4)}` : String(result.loss);
    throw new UnusableModelError(`model ${o.modelId}: its test loss is ${why}; its weights are unusable (a damaged model directory?). Nothing was recorded in the test ledger`);
  }
  const base = { modelId: o.modelId, runId: o.runId ?? null, datasetFingerprint: fingerprint, note: o.note ?? null };
  o.store.recordTestEvaluation({ ...base, metricName: 'loss', value: result.loss });
  for (const [k, v] of Object.entries(result.metrics)) o.store.recordTestEvaluation({ ...base, metricName: k, value: v });
  if (evaluation && o.runId) o.store.putSplitMetrics(o.runId, { split: 'test', rows: evaluation.rows, metrics: evaluation.metrics, detail: detailOf(evaluation) });
  const evaluations = before + 1;
  const warnings: string[] = [];
  if (evaluations > 1) {
    warnings.push(`the test set has now been seen ${evaluations} times: after tuning between evaluations its result is optimistic (the seed: "don't tune your network's hyperparameters with respect to the test set loss")`);
  }
  let advice: string | null = null;
  let diagnosis: ShiftDiagnosis | undefined;
  const v = o.validationLoss;
  const floor = o.baselineLoss !== undefined && Number.isFinite(o.baselineLoss) ? 0.05 * o.baselineLoss : 0;
  if (v !== null && v !== undefined && Number.isFinite(v) && result.loss - v > Math.max(v * (o.gapThreshold ?? 0.25), floor) + 1e-9) {
    diagnosis = compareSplits(o.prepared, result.loss, v);
    advice = diagnosis?.message ?? `the test loss ${result.loss.toPrecision(4)} is much worse than the validation loss ${v.toPrecision(4)}: the tuning may have fit noise in the validation set. Enlarge the validation set (more data or augmentation), go back to step 4, then verify again.`;
  }
  return { ...result, evaluations, warnings, advice, evaluation, ...(diagnosis ? { diagnosis } : {}) };
}

/** Tables: the raw validation and test rows compared (the test rows read once more, for this). */
function compareSplits(p: Prepared, testLoss: number, validationLoss: number): ShiftDiagnosis | undefined {
  if (!p.testTable || !p.validationTable || p.preprocessing.kind === 'image') return undefined;
  const schema = p.preprocessing.schema;
  const time = p.splitBy?.kind === 'time' ? p.splitBy.column : schema.columns.find((c) => c.kind === 'datetime' && c.role !== 'target')?.name ?? null;
  const test = p.testTable.unseal('step 5: comparing the test rows with the validation rows (shift or noise)');
  return shiftOrNoise({ schema, validation: p.validationTable, test, testLoss, validationLoss, timeColumn: time, timeFlag: time && p.splitBy?.kind !== 'time' ? splitByFlag({ kind: 'time', column: time }) : null });
}
