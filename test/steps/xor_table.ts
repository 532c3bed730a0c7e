// A table no straight line separates, shared by the step-3 search and the linear reference tests.
import { Rng } from '../../src/data/prng.js';

/** y = x0·x1 > 0 (XOR of signs), as CSV: a linear model stays near chance; two midpoint-rule hidden units cannot fit it, a wider or deeper net can. */
export function xorCsv(rows: number): string {
  const rng = new Rng(5);
  const lines = ['y,x0,x1'];
  for (let r = 0; r < rows; r++) {
    const a = rng.uniform(-1, 1);
    const b = rng.uniform(-1, 1);
    lines.push(`${a * b > 0 ? 'same' : 'diff'},${a.toFixed(4)},${b.toFixed(4)}`);
  }
  return `${lines.join('\n')}\n`;
}
