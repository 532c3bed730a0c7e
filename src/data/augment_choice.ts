// Augmentation as a choice: named transforms (flip, rotate, crop, brightness,
// contrast, erase) or none, and a default the data supports. Flips are the
// one transform that can change what an image means (a mirrored 2 is not a 2;
// a mirrored shoe is a shoe), so the default includes them only when
// mirroring the training images leaves their classes apart: a pure rule on
// the class-mean images, measured and quoted.
import { DEFAULT_IMAGE_AUGMENT, type ImageAugmentConfig } from './augment.js';
import type { ImageSet } from './image_set.js';

export const AUGMENT_NAMES = ['flip', 'rotate', 'crop', 'brightness', 'contrast', 'erase'] as const;
export type AugmentName = (typeof AUGMENT_NAMES)[number];

/** A list of transform names as the augmenter's config (the rest switched off); [] is no augmentation. */
export function augmentConfig(names: readonly AugmentName[]): ImageAugmentConfig {
  const on = new Set(names);
  const d = DEFAULT_IMAGE_AUGMENT;
  const brightness = on.has('brightness') ? d.color!.brightness : 0;
  const contrast = on.has('contrast') ? d.color!.contrast : 0;
  return {
    hflip: on.has('flip') ? d.hflip : null,
    affine: on.has('rotate') ? d.affine : null,
    crop: on.has('crop') ? d.crop : null,
    color: brightness || contrast ? { brightness, contrast } : null,
    erase: on.has('erase') ? d.erase : null,
  };
}

/** Parses "flip,rotate", "none" or "auto"; throws an Error naming the bad part (the CLI turns it into a usage error). */
export function parseAugment(spec: string): AugmentName[] | 'auto' {
  const s = spec.trim().toLowerCase();
  if (s === 'auto') return 'auto';
  if (s === 'none' || s === '') return [];
  const names = s.split(',').map((x) => x.trim());
  const bad = names.filter((n) => !(AUGMENT_NAMES as readonly string[]).includes(n));
  if (bad.length) throw new Error(`unknown transform${bad.length > 1 ? 's' : ''} ${bad.map((b) => JSON.stringify(b)).join(', ')}: expected a comma-separated list of ${AUGMENT_NAMES.join(', ')}, or none, or auto`);
  return [...new Set(names)] as AugmentName[];
}

export interface FlipEvidence {
  /** Σ_c ‖m_c − flip(m_c)‖² / Σ_c ‖m_c − m̄‖²: how far mirroring moves the class means, against how far apart they are. */
  asymmetry: number;
  /** Flips are taken by default below this; 0.5. */
  threshold: number;
  flip: boolean;
}

/**
 * Whether mirroring left–right keeps classes apart, from the class-mean
 * images of the training set (scale-free; no labels beyond the training split).
 * With one class, or classes whose means coincide, there is nothing to
 * separate and flips are allowed.
 */
export function flipEvidence(set: ImageSet, threshold = 0.5): FlipEvidence {
  const [N, C, H, W] = set.shape;
  const per = C * H * W;
  const K = set.classes.length;
  const means = Array.from({ length: K }, () => new Float64Array(per));
  const counts = new Float64Array(K);
  for (let n = 0; n < N; n++) {
    const m = means[set.labels[n]];
    counts[set.labels[n]]++;
    const off = n * per;
    for (let i = 0; i < per; i++) m[i] += set.images[off + i];
  }
  // Class means in [0, 1]; classes without training images take no part.
  const present = means.flatMap((m, k) => (counts[k] > 0 ? [m.map((v) => v / counts[k] / 255)] : []));
  const grand = new Float64Array(per);
  for (const m of present) for (let i = 0; i < per; i++) grand[i] += m[i] / present.length;
  let moved = 0;
  let spread = 0;
  for (const m of present) {
    for (let c = 0; c < C; c++)
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++) {
          const i = c * H * W + y * W + x;
          moved += (m[i] - m[c * H * W + y * W + (W - 1 - x)]) ** 2;
          spread += (m[i] - grand[i]) ** 2;
        }
  }
  const asymmetry = spread > 0 ? moved / spread : 0;
  return { asymmetry, threshold, flip: asymmetry < threshold };
}

export interface AugmentChoice {
  names: AugmentName[];
  config: ImageAugmentConfig;
  /** Why: the rule's numbers, or "as given". */
  reason: string;
  evidence: FlipEvidence | null;
}

/** The transforms to use: as given, or (auto) every mild transform, flips only when the data supports them. */
export function chooseAugment(spec: AugmentName[] | 'auto', train: ImageSet): AugmentChoice {
  if (spec !== 'auto') return { names: spec, config: augmentConfig(spec), reason: spec.length ? 'as given (--augment)' : 'none (--augment none)', evidence: null };
  const e = flipEvidence(train);
  const names: AugmentName[] = [...(e.flip ? (['flip'] as const) : []), 'rotate', 'crop', 'brightness', 'contrast', 'erase'];
  const reason = `small rotations and shifts, crops, brightness/contrast and erasing keep a label; mirroring the class-mean training images moves them by ${e.asymmetry.toFixed(3)} of their spread (${e.flip ? 'below' : 'at or above'} ${e.threshold}), so flips are ${e.flip ? 'on' : 'off (they would change what images mean, as for digits or text)'}`;
  return { names, config: augmentConfig(names), reason, evidence: e };
}
