// The protocol a test's decisions follow: holdout on the prepared data's
// default split, or k folds, with the split recorded from the manifest the
// preparation wrote into the test's project folder.
import type { Prepared } from '../../src/data/prepare.js';
import type { FoldSet } from '../../src/data/folds.js';
import { recordSplit, splitManifestPath } from '../../src/protocol/index.js';
import { makePlan, type Plan } from '../../src/steps/plan.js';
import { protocolFor, type PlaybookProtocol } from '../../src/steps/protocol_of.js';

export async function protocolOf(p: Prepared, o: { projectDir: string; data: string; plan?: Plan; folds?: FoldSet; seed?: number }): Promise<PlaybookProtocol> {
  const split = await recordSplit(p, splitManifestPath(o.projectDir, o.data), o.folds ? { set: o.folds, seed: o.seed ?? 0 } : undefined);
  return protocolFor(o.plan ?? makePlan(p), split, o.folds);
}
