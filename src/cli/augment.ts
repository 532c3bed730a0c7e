// --augment for fit and auto: parsed and checked here, resolved against the
// training images (the data-supported default), stated and saved with the model.
import type { Command } from 'commander';
import { parseAugment, chooseAugment, AUGMENT_NAMES, type AugmentChoice } from '../data/index.js';
import type { Prepared } from '../data/prepare.js';
import { UsageError } from './errors.js';

export function addAugmentOption(c: Command, fallback: 'none' | 'auto', why: string): Command {
  return c.option('--augment <list>', `images: ${AUGMENT_NAMES.join(',')} (any subset), none, or auto (every mild transform, flips only when mirroring keeps classes apart); ${why}`, fallback);
}

/** The transforms to train with, or null for tables (which take none). */
export function augmentChoice(spec: string | undefined, p: Prepared, fallback: 'none' | 'auto'): AugmentChoice | null {
  let parsed: ReturnType<typeof parseAugment>;
  try {
    parsed = parseAugment(spec ?? fallback);
  } catch (e) {
    throw new UsageError(`--augment ${JSON.stringify(spec)}: ${(e as Error).message}`);
  }
  if (p.kind !== 'image' || !p.trainImages) {
    if (spec !== undefined && spec !== fallback && parsed !== 'auto' && parsed.length) throw new UsageError(`--augment ${spec}: image transforms, but this data is a ${p.kind === 'image' ? 'set of images without its training split' : 'table'}`);
    return null;
  }
  const choice = chooseAugment(parsed, p.trainImages);
  if (spec === undefined && fallback === 'none') choice.reason = 'none by default: step 3 fits the training set before any regularization (--augment chooses transforms)';
  return choice;
}
