// Vocabularies learned from training rows only: a value never seen there maps
// to a reserved <unknown> index instead of growing the vocabulary at test time.

export const MISSING = '<missing>';
export const UNKNOWN = '<unknown>';
export const PAD = '<pad>';

export interface VocabularyOptions {
  /** Keep at most this many learned entries, most frequent first. Default: all. */
  maxSize?: number;
  /** Entries seen fewer times map to <unknown>. Default 1. */
  minCount?: number;
  /** Reserved entries at the front, in index order. Default [<missing>, <unknown>]. */
  reserved?: string[];
}

export interface VocabularyJSON {
  tokens: string[];
  reserved: number;
  unknown: number;
  /**
   * Entries that keep their slot (the one-hot width stays the layout's) but
   * encode as <unknown>: a cross-validation fold whose training rows never
   * saw them must not know them. Absent: none.
   */
  unseen?: string[];
}

export class Vocabulary {
  readonly tokens: string[];
  /** How many leading entries are reserved. */
  readonly reserved: number;
  /** The index unseen values map to. */
  readonly unknown: number;
  /** Entries whose slot is kept but which encode as <unknown> (see VocabularyJSON). */
  readonly unseen: string[];
  private readonly index: Map<string, number>;

  private constructor(tokens: string[], reserved: number, unknown: number, unseen: string[] = []) {
    this.tokens = tokens;
    this.reserved = reserved;
    this.unknown = unknown;
    this.unseen = unseen;
    const skip = new Set(unseen);
    this.index = new Map(tokens.flatMap((t, i): [string, number][] => (i >= reserved && skip.has(t) ? [] : [[t, i]])));
  }

  /** Learns a vocabulary from training values: most frequent first, ties by text so it is deterministic. */
  static fit(values: Iterable<string>, options: VocabularyOptions = {}): Vocabulary {
    const counts = new Map<string, number>();
    for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
    return Vocabulary.fromCounts(counts, options);
  }

  /** fit() from counts already taken. */
  static fromCounts(counts: ReadonlyMap<string, number>, options: VocabularyOptions = {}): Vocabulary {
    const reserved = options.reserved ?? [MISSING, UNKNOWN];
    const minCount = options.minCount ?? 1;
    const learned = [...counts].filter(([t, c]) => c >= minCount && !reserved.includes(t)).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const kept = learned.slice(0, options.maxSize ?? Infinity).map(([t]) => t);
    const unknown = reserved.indexOf(UNKNOWN);
    return new Vocabulary([...reserved, ...kept], reserved.length, unknown < 0 ? 0 : unknown);
  }

  get size(): number {
    return this.tokens.length;
  }

  /** The index of a value; <unknown> for values not learned. */
  encode(value: string): number {
    return this.index.get(value) ?? this.unknown;
  }

  /** True when the value was learned (or is reserved). */
  has(value: string): boolean {
    return this.index.has(value);
  }

  toJSON(): VocabularyJSON {
    return { tokens: this.tokens, reserved: this.reserved, unknown: this.unknown, ...(this.unseen.length ? { unseen: this.unseen } : {}) };
  }

  static fromJSON(j: VocabularyJSON): Vocabulary {
    return new Vocabulary(j.tokens.slice(), j.reserved, j.unknown, j.unseen?.slice());
  }
}
