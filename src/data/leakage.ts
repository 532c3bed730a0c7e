// Leakage between splits: the same row (same fingerprint) in training and in
// a held-out split makes held-out scores optimistic. Detected by fingerprint,
// reported with counts, and by default removed from the held-out side —
// unless chance alone repeats rows: when the columns take few distinct values
// (a table of a few categories), rows repeat by chance inside training as
// across splits, the model will meet such repeats in use, and cutting them
// would leave held-out sets unlike the real world. Copies of rows with
// continuous values or free text cannot arise by chance: those are leaks.

/** Expected repeats per training row from chance alone at or above which repeated rows are the data's nature (5 %). */
export const REPEATS_BY_CHANCE = 0.05;

/**
 * How often chance alone makes a training row repeat another: (n − 1)·Π Σ p²,
 * the expected number of other rows equal to a given row if the columns were
 * independent (each column's Σ p² is the chance two rows agree on it).
 * `columns` holds each column's value keys over the training rows.
 */
export function chanceRepeatRate(columns: ReadonlyArray<ReadonlyArray<string>>): number {
  const n = columns[0]?.length ?? 0;
  if (n < 2) return 0;
  let agree = 1;
  for (const values of columns) {
    const counts = new Map<string, number>();
    for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
    let sum = 0;
    for (const c of counts.values()) sum += (c / n) ** 2;
    agree *= sum;
  }
  return (n - 1) * agree;
}

export interface LeakageReport {
  /** Validation rows whose fingerprint is also in training. */
  trainValidation: number;
  /** Test rows whose fingerprint is also in training. */
  trainTest: number;
  /** Test rows whose fingerprint is also in validation (and not in training). */
  validationTest: number;
  /** Duplicate rows inside training (not leakage; reported for information). */
  duplicatesInTrain: number;
  /** Rows removed from each held-out split (0 when removal is off). */
  removed: { validation: number; test: number };
  /** Expected repeats per training row from chance alone (chanceRepeatRate); 0 where unknown (images). */
  repeatsByChance: number;
  /** Held-out repeats were kept because chance alone repeats rows this often (repeatsByChance ≥ REPEATS_BY_CHANCE). */
  keptAsData: boolean;
  /** Up to 10 leaked fingerprints, with the source lines of their copies where known. */
  examples: { fingerprint: string; train: number[]; validation: number[]; test: number[] }[];
}

export interface LeakageInput {
  train: string[];
  validation: string[];
  test: string[];
  /** Source lines per split, for the examples. */
  lines?: { train: number[]; validation: number[]; test: number[] };
}

/** Finds cross-split duplicates; returns the report and which held-out positions to keep (all of them when chance repeats rows: see above). */
export function detectLeakage(input: LeakageInput, removeLeaked = true, repeatsByChance = 0): { report: LeakageReport; keepValidation: number[]; keepTest: number[] } {
  const remove = removeLeaked && repeatsByChance < REPEATS_BY_CHANCE;
  const inTrain = new Set(input.train);
  const inVal = new Set(input.validation);
  let trainValidation = 0;
  let trainTest = 0;
  let validationTest = 0;
  const leaked = new Set<string>();
  const keepValidation: number[] = [];
  const keepTest: number[] = [];
  input.validation.forEach((fp, i) => {
    if (inTrain.has(fp)) {
      trainValidation++;
      leaked.add(fp);
      if (remove) return;
    }
    keepValidation.push(i);
  });
  input.test.forEach((fp, i) => {
    if (inTrain.has(fp)) {
      trainTest++;
      leaked.add(fp);
      if (remove) return;
    } else if (inVal.has(fp)) {
      validationTest++;
      leaked.add(fp);
      if (remove) return;
    }
    keepTest.push(i);
  });
  const examples: LeakageReport['examples'] = [];
  const positions = (fps: string[], lines: number[] | undefined, fp: string): number[] => {
    const out: number[] = [];
    fps.forEach((f, i) => f === fp && out.push(lines ? lines[i] : i));
    return out;
  };
  for (const fp of leaked) {
    if (examples.length >= 10) break;
    examples.push({
      fingerprint: fp,
      train: positions(input.train, input.lines?.train, fp),
      validation: positions(input.validation, input.lines?.validation, fp),
      test: positions(input.test, input.lines?.test, fp),
    });
  }
  const report: LeakageReport = {
    trainValidation,
    trainTest,
    validationTest,
    duplicatesInTrain: input.train.length - inTrain.size,
    removed: { validation: input.validation.length - keepValidation.length, test: input.test.length - keepTest.length },
    repeatsByChance,
    keptAsData: removeLeaked && !remove && leaked.size > 0,
    examples,
  };
  return { report, keepValidation, keepTest };
}
