// Free-text columns: words become integer ids from a vocabulary learned on
// training texts only; unseen words map to <unknown>. The sequence length and
// the statistics a text encoder is chosen by come from the training texts too.
import { PAD, UNKNOWN, Vocabulary, type VocabularyJSON } from './vocabulary.js';

export interface TokenizerOptions {
  /** Sequences are cut or padded (with 0, <pad>) to this length. Default: the training texts' 95th percentile of tokens, rounded up to a multiple of 8, within [8, 64]. */
  maxLength?: number;
  /** Largest vocabulary, most frequent words first. Default 20 000; at most 2^24 − 1 (ids travel exactly in float32). */
  maxVocabulary?: number;
  /** Words seen fewer times in training become <unknown>. Default 1. */
  minCount?: number;
  /** Lower-case before splitting. Default true. */
  lowercase?: boolean;
}

/** What the training texts of a column look like: the numbers a text encoder is chosen by. */
export interface TextStats {
  rows: number;
  /** Rows with no token (missing or empty text). */
  emptyRows: number;
  meanTokens: number;
  medianTokens: number;
  p95Tokens: number;
  maxTokens: number;
  /** Distinct words and distinct adjacent word pairs in the training texts. */
  distinctTokens: number;
  distinctBigrams: number;
  /** Distinct pairs seen at least twice (a pair seen once cannot be learned). */
  repeatedBigrams: number;
  /** Rows longer than the sequence length (cut). */
  cutRows: number;
}

export interface TokenizerJSON {
  vocabulary: VocabularyJSON;
  maxLength: number;
  lowercase: boolean;
  /** The training texts' statistics (absent in tokenizers saved before they were recorded). */
  stats?: TextStats;
}

/** Largest id a float32 holds exactly: token ids travel in the model's float32 input row. */
export const MAX_TOKEN_ID = 2 ** 24 - 1;

const WORD = /[\p{L}\p{N}]+(?:'[\p{L}]+)?|[^\s\p{L}\p{N}]/gu;

/** Words and single punctuation marks. */
export function tokenize(text: string, lowercase = true): string[] {
  return (lowercase ? text.toLowerCase() : text).match(WORD) ?? [];
}

const quantile = (sorted: Int32Array, q: number): number => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : 0);

/** The sequence length for texts of these token counts: the 95th percentile rounded up to a multiple of 8, within [8, 64]. */
export function sequenceLength(p95Tokens: number): number {
  return Math.min(64, Math.max(8, Math.ceil(p95Tokens / 8) * 8));
}

export class Tokenizer {
  readonly vocabulary: Vocabulary;
  readonly maxLength: number;
  readonly lowercase: boolean;
  readonly stats: TextStats | undefined;

  private constructor(vocabulary: Vocabulary, maxLength: number, lowercase: boolean, stats?: TextStats) {
    this.vocabulary = vocabulary;
    this.maxLength = maxLength;
    this.lowercase = lowercase;
    this.stats = stats;
  }

  /** Learns the vocabulary and the statistics from training texts (index 0 is <pad>, 1 is <unknown>). */
  static fit(texts: Iterable<string>, options: TokenizerOptions = {}): Tokenizer {
    const lowercase = options.lowercase ?? true;
    const maxVocabulary = options.maxVocabulary ?? 20000;
    if (!Number.isInteger(maxVocabulary) || maxVocabulary < 1 || maxVocabulary + 2 > MAX_TOKEN_ID) throw new RangeError(`Tokenizer: maxVocabulary must be a whole number from 1 to ${MAX_TOKEN_ID - 2} (ids travel exactly in float32), got ${maxVocabulary}`);
    const lengths: number[] = [];
    const bigrams = new Map<string, number>();
    const counts = new Map<string, number>();
    let empty = 0;
    for (const t of texts) {
      const words = tokenize(t, lowercase);
      lengths.push(words.length);
      if (words.length === 0) empty++;
      for (let i = 0; i < words.length; i++) {
        counts.set(words[i], (counts.get(words[i]) ?? 0) + 1);
        if (i > 0) {
          const pair = `${words[i - 1]}\u0000${words[i]}`;
          bigrams.set(pair, (bigrams.get(pair) ?? 0) + 1);
        }
      }
    }
    const vocabulary = Vocabulary.fromCounts(counts, { maxSize: maxVocabulary, minCount: options.minCount ?? 1, reserved: [PAD, UNKNOWN] });
    const sorted = Int32Array.from(lengths).sort();
    const total = lengths.reduce((a, b) => a + b, 0);
    const p95 = quantile(sorted, 0.95);
    const maxLength = options.maxLength ?? sequenceLength(p95);
    if (!Number.isInteger(maxLength) || maxLength < 1) throw new RangeError(`Tokenizer: maxLength must be a positive whole number, got ${maxLength}`);
    const stats: TextStats = {
      rows: lengths.length,
      emptyRows: empty,
      meanTokens: lengths.length ? total / lengths.length : 0,
      medianTokens: quantile(sorted, 0.5),
      p95Tokens: p95,
      maxTokens: sorted.length ? sorted[sorted.length - 1] : 0,
      distinctTokens: counts.size,
      distinctBigrams: bigrams.size,
      repeatedBigrams: [...bigrams.values()].filter((c) => c > 1).length,
      cutRows: lengths.filter((n) => n > maxLength).length,
    };
    return new Tokenizer(vocabulary, maxLength, lowercase, stats);
  }

  /** The ids of one text, unpadded and uncut. */
  encode(text: string): number[] {
    return tokenize(text, this.lowercase).map((w) => this.vocabulary.encode(w));
  }

  /** Texts as an [n, maxLength] row-major id matrix, padded with 0 and cut at maxLength; unknownCount counts <unknown> ids. */
  encodeBatch(texts: string[]): { ids: Int32Array; lengths: Int32Array; unknownCount: number } {
    const L = this.maxLength;
    const ids = new Int32Array(texts.length * L);
    const lengths = new Int32Array(texts.length);
    let unknownCount = 0;
    texts.forEach((t, i) => {
      const seq = this.encode(t);
      const k = Math.min(L, seq.length);
      lengths[i] = k;
      for (let j = 0; j < k; j++) {
        ids[i * L + j] = seq[j];
        if (seq[j] === this.vocabulary.unknown) unknownCount++;
      }
    });
    return { ids, lengths, unknownCount };
  }

  toJSON(): TokenizerJSON {
    return { vocabulary: this.vocabulary.toJSON(), maxLength: this.maxLength, lowercase: this.lowercase, ...(this.stats ? { stats: this.stats } : {}) };
  }

  static fromJSON(j: TokenizerJSON): Tokenizer {
    return new Tokenizer(Vocabulary.fromJSON(j.vocabulary), j.maxLength, j.lowercase, j.stats);
  }
}
