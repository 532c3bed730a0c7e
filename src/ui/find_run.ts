// A run named on the command line or in a URL: its full id, or any unique
// start or end of it (the 6-hex tail is easy to type), so people need not
// copy long ids around.
import type { Run, Store } from '../store/index.js';

export class RunNotFound extends Error {}

export function findRun(store: Store, ref: string): Run {
  const exact = store.getRun(ref);
  if (exact) return exact;
  const matches = ref ? store.listRuns().filter((r) => r.id.startsWith(ref) || r.id.endsWith(ref)) : [];
  if (matches.length === 1) return matches[0];
  if (!matches.length) throw new RunNotFound(`no run "${ref}" in project ${store.project.name}; list the runs with \`sixstep runs list\``);
  throw new RunNotFound(`"${ref}" matches ${matches.length} runs (${matches.slice(0, 4).map((r) => r.id).join(', ')}${matches.length > 4 ? ', …' : ''}); give more of the id`);
}
