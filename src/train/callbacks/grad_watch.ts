// Watches the joint gradient norm of every step (recorded as learner.gradNorm,
// so the recorder and the store chart it) and turns gradient clipping on when
// the norms explode: a step whose norm exceeds `explodeFactor` times the
// running median of recent norms. From then on every step is clipped to
// `clipFactor` times that median — the playbook's blunt fix, applied before
// the NaN guard would halve the learning rate (NanGuard's firstRemedy).
import { gradNorms, clipGradNorm } from '../../optim/index.js';
import type { Callback } from '../callback.js';
import type { Learner } from '../learner.js';

export interface GradWatchEvent {
  kind: 'clip';
  step: number;
  epoch: number;
  /** The norm that triggered it (null: a non-finite gradient reported by the NaN guard). */
  norm: number | null;
  median: number | null;
  clipAt: number;
  reason: string;
}

export interface GradWatchOptions {
  /** A norm above this multiple of the running median is an explosion; default 10. */
  explodeFactor?: number;
  /** Once on, clip to this multiple of the running median; default 2. */
  clipFactor?: number;
  /** Steps measured before an explosion can be declared; default 20. */
  warmup?: number;
  /** Recent finite norms the median is taken over; default 100. */
  window?: number;
  /** Clip threshold when no norm has been measured yet (a NaN at the first step); default 1, the usual --clip. */
  fallbackClip?: number;
  onEvent?: (e: GradWatchEvent) => void;
}

export class GradWatch implements Callback {
  readonly name = 'gradWatch';
  /** After the NaN guard (10), which skips non-finite steps; before user clipping (20). */
  readonly order = 12;
  /** The clipping threshold once clipping is on; null while off. */
  clipAt: number | null = null;
  private readonly recent: number[] = [];
  private seen = 0;

  constructor(readonly o: GradWatchOptions = {}) {}

  /** Median of the recent finite norms, or null before any. */
  get median(): number | null {
    if (!this.recent.length) return null;
    const s = [...this.recent].sort((a, b) => a - b);
    const m = s.length >> 1;
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
  }

  beforeStep(l: Learner): void {
    if (l.skipStep) return;
    const params = l.optimizer.parameters();
    let sq = 0;
    for (const n of gradNorms(params)) if (n !== null) sq += n * n;
    const norm = Math.sqrt(sq);
    l.gradNorm = norm;
    if (!Number.isFinite(norm)) return;
    const median = this.median;
    this.seen++;
    if (this.clipAt === null && median !== null && this.seen > (this.o.warmup ?? 20) && norm > (this.o.explodeFactor ?? 10) * median) {
      this.turnOn(l, norm, `the gradient norm ${norm.toPrecision(3)} exploded past ${this.o.explodeFactor ?? 10}× the running median ${median.toPrecision(3)}`);
    }
    if (this.clipAt !== null && norm > this.clipAt) clipGradNorm(params, this.clipAt);
    // Clipped outliers stay out of the median, so the threshold does not drift up with them.
    if (this.clipAt === null || norm <= this.clipAt) {
      this.recent.push(norm);
      if (this.recent.length > (this.o.window ?? 100)) this.recent.shift();
    }
  }

  /** Turns clipping on (a remedy tried before halving the rate); false when it is already on. */
  turnOn(l: Learner, norm: number | null, reason: string, notify = true): boolean {
    if (this.clipAt !== null) return false;
    const median = this.median;
    this.clipAt = median !== null && median > 0 ? (this.o.clipFactor ?? 2) * median : this.o.fallbackClip ?? 1;
    if (notify) this.o.onEvent?.({ kind: 'clip', step: l.step, epoch: l.epoch, norm, median, clipAt: this.clipAt, reason });
    return true;
  }
}
