// Step 2 for a text column: which encoder reads it, from the statistics of its
// training texts. A few words per row carry their meaning in which words occur,
// not in their order: a bag of word and word-pair embeddings (fastText) is far
// cheaper than an LSTM there and usually as good or better. Longer texts may
// depend on order (the playbook's embedding + LSTM) or may not (a bag of words
// still wins on many document sets): that is unclear from the numbers, and is
// measured on validation where there is time (text_encoder_choice.ts).
import type { TextInput } from '../data/prepare.js';
import type { TextEncoderSpec } from '../models/index.js';

/** Texts of at most this many tokens per row on average are short: a bag, without measuring. */
export const SHORT_TEXT_TOKENS = 12;
/** Embedding widths and LSTM units of the proposal. */
export const BAG_DIM = 64;
export const LSTM_DIM = 64;
export const LSTM_HIDDEN = 128;
/**
 * Hash buckets for word pairs: as many as the training texts have pairs seen
 * at least twice (a pair seen once cannot be learned, and every bucket costs
 * an embedding row the optimizer updates each step), at most MAX_BUCKETS;
 * fewer than MIN_BUCKETS such pairs: words alone.
 */
export const MIN_BUCKETS = 64;
export const MAX_BUCKETS = 65536;

export interface TextEncoderRule {
  /** The proposal. */
  encoder: 'bag' | 'lstm';
  /** False when the numbers do not settle it: measure both on validation. */
  clear: boolean;
  reason: string;
}

/** The statistics as the reason quotes them. */
export function describeStats(t: TextInput): string {
  const s = t.stats;
  return `${s.meanTokens.toFixed(1)} tokens per row on average (median ${s.medianTokens}, 95th percentile ${s.p95Tokens}, longest ${s.maxTokens}), ${s.distinctTokens} distinct words and ${s.distinctBigrams} distinct word pairs (${s.repeatedBigrams ?? 0} seen twice or more) in ${s.rows} training rows`;
}

export function textEncoderRule(t: TextInput): TextEncoderRule {
  const s = t.stats;
  if (s.meanTokens <= SHORT_TEXT_TOKENS) {
    return { encoder: 'bag', clear: true, reason: `${describeStats(t)}: at most ${SHORT_TEXT_TOKENS} on average is a few words, whose order carries little; a bag of word and word-pair embeddings is far cheaper than an LSTM and usually as good or better` };
  }
  return { encoder: 'lstm', clear: false, reason: `${describeStats(t)}: more than ${SHORT_TEXT_TOKENS} on average, so word order may matter (the playbook's embedding + LSTM) or may not (a bag of words wins on many document sets): unclear from the numbers, measured on validation where time allows` };
}

/** The encoder spec for a text column. */
export function textEncoderSpec(t: TextInput, encoder: 'bag' | 'lstm'): TextEncoderSpec {
  const slot = { column: t.column, start: t.start, length: t.length, vocabulary: t.vocabulary };
  if (encoder === 'lstm') return { ...slot, encoder: 'lstm', dim: LSTM_DIM, hidden: LSTM_HIDDEN };
  const pairs = t.length > 1 ? (t.stats.repeatedBigrams ?? 0) : 0;
  return { ...slot, encoder: 'bag', dim: BAG_DIM, buckets: pairs >= MIN_BUCKETS ? Math.min(MAX_BUCKETS, pairs) : 0 };
}
