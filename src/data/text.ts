// Free-text columns for sequence models: words become integer ids from a
// vocabulary learned on training texts only; unseen words map to <unknown>.
import { PAD, UNKNOWN, Vocabulary, type VocabularyJSON } from './vocabulary.js';

export interface TokenizerOptions {
  /** Sequences are cut or padded (with 0, <pad>) to this length. Default 64. */
  maxLength?: number;
  /** Largest vocabulary, most frequent words first. Default 20 000. */
  maxVocabulary?: number;
  /** Words seen fewer times in training become <unknown>. Default 1. */
  minCount?: number;
  /** Lower-case before splitting. Default true. */
  lowercase?: boolean;
}

export interface TokenizerJSON {
  vocabulary: VocabularyJSON;
  maxLength: number;
  lowercase: boolean;
}

const WORD = /[\p{L}\p{N}]+(?:'[\p{L}]+)?|[^\s\p{L}\p{N}]/gu;

/** Words and single punctuation marks. */
export function tokenize(text: string, lowercase = true): string[] {
  return (lowercase ? text.toLowerCase() : text).match(WORD) ?? [];
}

export class Tokenizer {
  readonly vocabulary: Vocabulary;
  readonly maxLength: number;
  readonly lowercase: boolean;

  private constructor(vocabulary: Vocabulary, maxLength: number, lowercase: boolean) {
    this.vocabulary = vocabulary;
    this.maxLength = maxLength;
    this.lowercase = lowercase;
  }

  /** Learns the vocabulary from training texts (index 0 is <pad>, 1 is <unknown>). */
  static fit(texts: Iterable<string>, options: TokenizerOptions = {}): Tokenizer {
    const lowercase = options.lowercase ?? true;
    function* words(): Generator<string> {
      for (const t of texts) yield* tokenize(t, lowercase);
    }
    const vocabulary = Vocabulary.fit(words(), { maxSize: options.maxVocabulary ?? 20000, minCount: options.minCount ?? 1, reserved: [PAD, UNKNOWN] });
    return new Tokenizer(vocabulary, options.maxLength ?? 64, lowercase);
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
    return { vocabulary: this.vocabulary.toJSON(), maxLength: this.maxLength, lowercase: this.lowercase };
  }

  static fromJSON(j: TokenizerJSON): Tokenizer {
    return new Tokenizer(Vocabulary.fromJSON(j.vocabulary), j.maxLength, j.lowercase);
  }
}
