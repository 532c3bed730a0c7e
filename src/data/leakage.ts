// Leakage between splits: the same row (same fingerprint) in training and in
// a held-out split makes held-out scores optimistic. Detected by fingerprint,
// reported with counts, and by default removed from the held-out side.

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

/** Finds cross-split duplicates; returns the report and which held-out positions to keep. */
export function detectLeakage(input: LeakageInput, remove = true): { report: LeakageReport; keepValidation: number[]; keepTest: number[] } {
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
    examples,
  };
  return { report, keepValidation, keepTest };
}
