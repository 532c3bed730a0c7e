// A table row as the network reads it: the encoded features (numeric values,
// one-hot categories, date parts, standardized) followed by each text
// column's token ids at its fixed length, in the preprocessor's column order.
// One float32 row per example keeps a batch one tensor through the training
// loop, measurement, data parallelism and prediction; ids are exact in
// float32 (the tokenizer keeps them below 2^24) and the network slices them
// back out (models/tabular.ts).
import { cat, tidy, type Tensor } from '../tensor/index.js';
import type { EncodedTable, PreprocessorJSON } from './preprocessor.js';

/** Where one text column's ids sit in the input row. */
export interface TextSlot {
  column: string;
  start: number;
  length: number;
  /** Ids run from 0 (padding) to vocabulary − 1. */
  vocabulary: number;
}

export interface InputLayout {
  /** Encoded features first: [0, features). */
  features: number;
  texts: TextSlot[];
  /** The whole row. */
  width: number;
}

export function inputLayout(pre: Pick<PreprocessorJSON, 'features' | 'featureNames'>): InputLayout {
  const features = pre.featureNames.length;
  const texts: TextSlot[] = [];
  let at = features;
  for (const f of pre.features) {
    if (f.kind !== 'text') continue;
    texts.push({ column: f.column, start: at, length: f.tokenizer.maxLength, vocabulary: f.tokenizer.vocabulary.tokens.length });
    at += f.tokenizer.maxLength;
  }
  return { features, texts, width: at };
}

/** Encoded rows as input rows, row-major [n, width] (a copy). */
export function packRows(enc: Pick<EncodedTable, 'x' | 'n' | 'text'>, layout: InputLayout): Float32Array {
  const { n } = enc;
  const d = layout.features;
  if (!layout.texts.length) return enc.x.slice(0, n * d);
  const w = layout.width;
  const out = new Float32Array(n * w);
  for (let i = 0; i < n; i++) out.set(enc.x.subarray(i * d, (i + 1) * d), i * w);
  for (const s of layout.texts) {
    const ids = enc.text[s.column];
    for (let i = 0; i < n; i++) {
      const row = ids.subarray(i * s.length, (i + 1) * s.length);
      const at = i * w + s.start;
      for (let j = 0; j < s.length; j++) out[at + j] = row[j];
    }
  }
  return out;
}

/** A batch's features [B, features] and token ids (int64 [B, L] per column) as one float32 input [B, width]. */
export function packBatch(x: Tensor, text: Record<string, Tensor>, layout: InputLayout): Tensor {
  if (!layout.texts.length) return x;
  return tidy(() => cat([x, ...layout.texts.map((s) => text[s.column].to(x.dtype))], 1));
}
