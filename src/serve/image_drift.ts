// Drift of served images against the training images: PSI of each channel's
// per-image mean brightness, of the original width, height and aspect ratio,
// and of the predicted classes against the training class shares. Counts
// only; the report has the shape of the table monitor's (DriftReport), each
// image statistic a "feature", so /drift and the dashboard read both alike.
import type { DriftReport, FeatureDrift } from './drift.js';
import { binOf, psi, PSI_ALERT } from './psi.js';
import { channelMeans, predictionReference, type Bins, type ImageReference } from './image_reference.js';

/** One served image as the monitor needs it. */
export interface ServedImage {
  pixels: Uint8Array;
  channels: number;
  width: number;
  height: number;
}

interface State {
  ref: Bins | null;
  n: number;
  sum: number;
  outOfRange: number;
  bins: number[] | null;
}

const CHANNEL_NAMES = { 1: ['grey'], 3: ['red', 'green', 'blue'] } as Record<number, string[]>;

export class ImageDriftMonitor {
  private readonly stats = new Map<string, State>();
  private readonly classCounts = new Map<string, number>();
  private images = 0;
  private readonly alert: number;

  constructor(readonly reference: ImageReference | null, readonly channels: number, o: { alert?: number } = {}) {
    this.alert = o.alert ?? PSI_ALERT;
    const names = CHANNEL_NAMES[channels] ?? Array.from({ length: channels }, (_, c) => `channel ${c}`);
    names.forEach((n, c) => this.stats.set(`${n} mean`, this.state(reference?.channels[c] ?? null)));
    this.stats.set('width', this.state(reference?.width ?? null));
    this.stats.set('height', this.state(reference?.height ?? null));
    this.stats.set('aspect', this.state(reference?.aspect ?? null));
  }

  private state(ref: Bins | null): State {
    return { ref, n: 0, sum: 0, outOfRange: 0, bins: ref ? new Array(ref.edges.length + 1).fill(0) : null };
  }

  private add(name: string, v: number): void {
    const s = this.stats.get(name)!;
    s.n++;
    s.sum += v;
    if (!s.ref) return;
    if (v < s.ref.min || v > s.ref.max) s.outOfRange++;
    s.bins![binOf(s.ref.edges, v)]++;
  }

  observe(images: readonly ServedImage[], predictedLabels: ReadonlyArray<string | undefined>): void {
    const names = [...this.stats.keys()];
    for (const im of images) {
      this.images++;
      channelMeans(im.pixels, im.channels).forEach((m, c) => this.add(names[c], m));
      this.add('width', im.width);
      this.add('height', im.height);
      this.add('aspect', Math.log(im.width / im.height));
    }
    for (const l of predictedLabels) if (l !== undefined) this.classCounts.set(l, (this.classCounts.get(l) ?? 0) + 1);
  }

  report(): DriftReport {
    const features: Record<string, FeatureDrift> = {};
    for (const [name, s] of this.stats) {
      const distribution = s.ref && s.bins ? { edges: s.ref.edges, reference: s.ref.proportions, served: s.bins.map((c) => (s.n ? c / s.n : 0)), min: s.ref.min, max: s.ref.max } : null;
      features[name] = { n: s.n, psi: s.bins ? psi(s.ref!.proportions, s.bins) : null, outOfRange: s.ref && s.n ? s.outOfRange / s.n : null, unseen: null, missing: 0, referenceMissing: null, mean: s.n ? s.sum / s.n : null, distribution };
    }
    const predicted = [...this.classCounts.values()].reduce((a, b) => a + b, 0);
    const against = this.reference ? predictionReference(this.reference) : null;
    const ref = against?.shares ?? null;
    const classes = ref ? Object.keys(ref) : [...this.classCounts.keys()];
    const distribution = Object.fromEntries(classes.map((c) => [c, predicted ? (this.classCounts.get(c) ?? 0) / predicted : 0]));
    const predictions = { n: predicted, psi: ref ? psi(classes.map((c) => ref[c]), classes.map((c) => this.classCounts.get(c) ?? 0)) : null, basis: against?.basis ?? null, approximate: against !== null && against.basis !== 'validation predictions', distribution, ...(ref ? { reference: ref } : {}) };
    const drifted = Object.entries(features).filter(([, f]) => f.psi !== null && f.psi >= this.alert).map(([k]) => k);
    return { kind: 'image', rows: this.images, reference: this.reference ? 'data' : 'approximate', features, predictions, drifted };
  }
}
