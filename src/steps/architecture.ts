// Step 2 — pick an initial architecture: for tables, one fully connected
// hidden layer sized between inputs and outputs (the midpoint, or the
// N_h = N_s / (α·(N_i + N_o)) rule) over every input path — numbers,
// category embeddings and an encoder per text column (text_encoder_rule.ts);
// a ResNet sized to the input for images. Printed as a layer table.
import { ArgumentError } from '../tensor/index.js';
import type { DataShape } from '../data/prepare.js';
import { resnetFor, embeddingSize, textWidth, type ModelSpec } from '../models/index.js';
import { textEncoderRule, textEncoderSpec } from './text_encoder_rule.js';

// The registry lives with the models; the steps build through it.
export { buildModel, parameterDevice, describeModel, type ModelSpec } from '../models/index.js';

/** The data's shape, as the data layer describes it. */
export type ArchitectureInput = DataShape;

export interface ArchitectureOptions {
  /** Tabular hidden width rule: 'midpoint' (default) or 'samples' (N_s / (α·(N_i + N_o))). */
  rule?: 'midpoint' | 'samples';
  /** α of the samples rule, between 2 and 10; default 5. */
  alpha?: number;
  /** Override the hidden widths (tables) — one entry per hidden layer; [] is a linear model. */
  hidden?: number[];
  /** Override the encoder of text columns (by column); default: text_encoder_rule.ts. */
  textEncoders?: Record<string, 'bag' | 'lstm'>;
}

export interface Proposal {
  spec: ModelSpec;
  reason: string;
  /** Text columns whose encoder the statistics do not settle: worth measuring both on validation. */
  unclearText?: string[];
}

export function proposeArchitecture(input: ArchitectureInput, o: ArchitectureOptions = {}): Proposal {
  if (input.kind === 'image') {
    const options = resnetFor({ inChannels: input.channels, classes: input.outputs, height: input.height, width: input.width });
    const depth = options.blocks.reduce((s, b) => s + 2 * b, 2);
    return {
      spec: { family: 'resnet', options },
      reason: `images of ${input.channels}×${input.height}×${input.width}: a proven architecture, ResNet-${depth} (${options.stem === 'small' ? 'CIFAR-style 3×3 stem for small images' : 'ImageNet layout'}), He-initialized`,
    };
  }
  // Embedded width: each categorical block contributes its embedding size, each text column its encoder's width.
  const blocks = input.blocks.map((b) => ({ ...b, embedding: b.width > 1 ? embeddingSize(b.width) : 0 }));
  const rules = input.texts.map((t) => ({ t, rule: textEncoderRule(t) }));
  const texts = rules.map(({ t, rule }) => textEncoderSpec(t, o.textEncoders?.[t.column] ?? rule.encoder));
  const nIn = blocks.reduce((s, b) => s + (b.embedding || b.width), 0) + texts.reduce((s, t) => s + textWidth(t), 0);
  const nOut = input.outputs;
  let hidden: number[];
  let why: string;
  if (o.hidden) {
    hidden = o.hidden;
    why = hidden.length ? `hidden layers [${hidden.join(', ')}] as given` : 'no hidden layer as given (a linear model on the same inputs)';
  } else if ((o.rule ?? 'midpoint') === 'samples') {
    const alpha = o.alpha ?? 5;
    if (!(alpha >= 2 && alpha <= 10)) throw new ArgumentError(`α must lie between 2 and 10, got ${alpha}`);
    const raw = input.trainingRows / (alpha * (nIn + nOut));
    const h = Math.max(1, Math.round(raw));
    hidden = [h];
    why = `one hidden layer of N_s/(α·(N_i+N_o)) = ${input.trainingRows}/(${alpha}·(${nIn}+${nOut})) ≈ ${h} units`;
  } else {
    const h = Math.max(1, Math.round((nIn + nOut) / 2));
    hidden = [h];
    why = `one hidden layer at the midpoint of ${nIn} inputs and ${nOut} outputs: ${h} units`;
  }
  const embedded = blocks.filter((b) => b.embedding > 0);
  const textWhy = rules.map(({ t, rule }, i) => {
    const chosen = texts[i].encoder;
    const name = chosen === 'bag' ? 'a bag of word and word-pair embeddings' : 'an embedding into an LSTM';
    return `text column ${JSON.stringify(t.column)}: ${name} (${textWidth(texts[i])} values) — ${o.textEncoders?.[t.column] ? 'as given' : rule.reason}`;
  });
  const paths = [blocks.length ? `${blocks.length} feature value(s)${embedded.length ? ' and embeddings' : ''}` : '', ...texts.map((t) => `the ${t.encoder === 'bag' ? 'bag' : 'LSTM'} of ${JSON.stringify(t.column)}`)].filter(Boolean);
  const unclear = rules.filter(({ t, rule }) => !rule.clear && !o.textEncoders?.[t.column]).map(({ t }) => t.column);
  return {
    spec: { family: 'tabular', options: { blocks, ...(texts.length ? { texts } : {}), hidden, outputs: nOut, heInit: true, outputScale: input.targetScale } },
    reason:
      `${texts.length ? (blocks.length ? 'a table of numbers, categories and text' : 'text') : 'structured data'}: ${why}${embedded.length ? `, embeddings for ${embedded.map((b) => `${b.name} (${b.width}→${b.embedding})`).join(', ')}` : ''}, ReLU with He initialization` +
      `${textWhy.length ? `; ${textWhy.join('; ')}` : ''}${paths.length > 1 ? `; ${paths.join(', ')} are joined side by side into the ${hidden.length ? 'first hidden layer' : 'head'}` : ''}` +
      `${input.targetScale ? `; outputs scaled by the training targets' mean ${input.targetScale.mean.toPrecision(4)} and std ${input.targetScale.std.toPrecision(4)}` : ''}`,
    ...(unclear.length ? { unclearText: unclear } : {}),
  };
}
