// Bounds on a saved architecture spec, checked before anything is built: a
// spec is plain JSON read from a model directory, and building it allocates
// what it says (a ResNet spec with 100,000 blocks per stage would hang any
// command). Each family states its own bounds, as fields with their limits,
// and one more from the weights file: the spec may not ask for more modules
// than the file has tensors, nor more weights than the file has values, so a
// model is never larger than the file it loads. A new family registers its
// bounds beside its builder (registerSpecBounds).

/** What the weights file holds, as its header declares it. */
export interface WeightsExtent {
  /** Tensors in the file. */
  tensors: number;
  /** Values over all tensors. */
  elements: number;
}

/** Why a spec cannot be built: the field (a path under the spec) and the reason. */
export interface SpecProblem {
  field: string;
  message: string;
}

/** A family's bounds: the first problem of its options, or null. */
export type SpecBounds = (options: Record<string, unknown>, weights: WeightsExtent) => SpecProblem | null;

/** Columns of the network's output for options that passed the family's bounds (checked against the task's classes). */
export type OutputWidth = (options: Record<string, unknown>) => number;

const BOUNDS = new Map<string, { bounds: SpecBounds; outputs: OutputWidth }>();

/** Registers (or replaces) the bounds of a model family, and how to read its output width. */
export function registerSpecBounds(family: string, bounds: SpecBounds, outputs: OutputWidth): void {
  BOUNDS.set(family, { bounds, outputs });
}

/** The output width of a spec that passed specProblem. */
export function specOutputs(spec: { family: string; options: unknown }): number {
  return BOUNDS.get(spec.family)!.outputs(spec.options as Record<string, unknown>);
}

/** The families with bounds, i.e. the families a saved spec may name. */
export function boundedFamilies(): string[] {
  return [...BOUNDS.keys()];
}

/** The first problem of a plain-JSON spec ({family, options}) against the weights it comes with; null when it may be built. */
export function specProblem(spec: unknown, weights: WeightsExtent): SpecProblem | null {
  if (!isObject(spec)) return { field: 'architecture', message: `expected an object {family, options}, found ${kindOf(spec)}` };
  const family = spec.family;
  const bounds = typeof family === 'string' ? BOUNDS.get(family)?.bounds : undefined;
  if (!bounds) return { field: 'architecture.family', message: `unknown model family ${JSON.stringify(family)?.slice(0, 40)} (known: ${boundedFamilies().join(', ')})` };
  if (!isObject(spec.options)) return { field: 'architecture.options', message: `expected an object, found ${kindOf(spec.options)}` };
  const p = bounds(spec.options, weights);
  return p && { field: `architecture.options.${p.field}`, message: p.message };
}

// ---- checking helpers, shared by the families' bounds ----

export function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function kindOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)?.slice(0, 40)}`;
}

/** A problem when v is not a whole number in [min, max]. */
export function wholeIn(v: unknown, field: string, min: number, max: number): SpecProblem | null {
  return Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max ? null : { field, message: `expected a whole number from ${min} to ${max}, found ${kindOf(v)}` };
}

/** A problem when v is present and not a number in [min, max) (a rate such as dropout). */
export function optionalRate(v: unknown, field: string): SpecProblem | null {
  return v === undefined || (typeof v === 'number' && v >= 0 && v < 1) ? null : { field, message: `expected a number in [0, 1), found ${kindOf(v)}` };
}

/** A problem when v is present and not a boolean. */
export function optionalBoolean(v: unknown, field: string): SpecProblem | null {
  return v === undefined || typeof v === 'boolean' ? null : { field, message: `expected true or false, found ${kindOf(v)}` };
}

/** A problem when v is not an array of length [minLength, maxLength] whose items each pass `item`. */
export function arrayOf(v: unknown, field: string, minLength: number, maxLength: number, item: (x: unknown, field: string) => SpecProblem | null): SpecProblem | null {
  if (!Array.isArray(v) || v.length < minLength || v.length > maxLength) return { field, message: `expected an array of ${minLength} to ${maxLength} items, found ${Array.isArray(v) ? `${v.length} items` : kindOf(v)}` };
  for (let i = 0; i < v.length; i++) {
    const p = item(v[i], `${field}[${i}]`);
    if (p) return p;
  }
  return null;
}

/** A regression target's scale: absent, or a finite mean and a positive finite std. */
export function optionalScale(v: unknown, field: string): SpecProblem | null {
  if (v === undefined || v === null) return null;
  if (!isObject(v) || !Number.isFinite(v.mean) || !(Number.isFinite(v.std) && (v.std as number) > 0)) return { field, message: `expected {mean, std} with a finite mean and a positive std, found ${kindOf(v)}` };
  return null;
}

/** A problem when a spec asks for more weights (a lower bound, `needed`) than the file holds. */
export function withinWeights(needed: number, w: WeightsExtent, field: string, what: string): SpecProblem | null {
  return needed <= w.elements ? null : { field, message: `${what} needs at least ${needed} weights; the weights file holds ${w.elements}` };
}

/** The first non-null problem. */
export function firstProblem(...checks: Array<() => SpecProblem | null>): SpecProblem | null {
  for (const c of checks) {
    const p = c();
    if (p) return p;
  }
  return null;
}

// ---- today's families ----

/** Widths and counts no trained model of ours comes near; past them a spec is taken for damaged. */
const MAX_WIDTH = 1 << 16;
const MAX_OUTPUTS = 1 << 20;
const MAX_FEATURES = 1 << 24;

registerSpecBounds('tabular', (o, w) =>
  firstProblem(
    () => arrayOf(o.blocks, 'blocks', 1, MAX_FEATURES, (b, f) => (isObject(b) ? firstProblem(() => (typeof b.name === 'string' ? null : { field: `${f}.name`, message: `expected a string, found ${kindOf(b.name)}` }), () => wholeIn(b.start, `${f}.start`, 0, MAX_FEATURES), () => wholeIn(b.width, `${f}.width`, 1, MAX_FEATURES), () => wholeIn(b.embedding, `${f}.embedding`, 0, Math.min(MAX_WIDTH, Number(b.width) || 0))) : { field: f, message: `expected {name, start, width, embedding}, found ${kindOf(b)}` })),
    () => arrayOf(o.hidden, 'hidden', 0, Math.min(64, w.tensors), (h, f) => wholeIn(h, f, 1, MAX_WIDTH)),
    () => wholeIn(o.outputs, 'outputs', 1, MAX_OUTPUTS),
    () => (o.dropout === undefined ? null : arrayOf(o.dropout, 'dropout', 0, 65, optionalRate)),
    () => optionalBoolean(o.batchNorm, 'batchNorm'),
    () => optionalBoolean(o.heInit, 'heInit'),
    () => optionalScale(o.outputScale, 'outputScale'),
    () => {
      // The weight matrices alone: embeddings, then each linear layer's inputs × outputs.
      const blocks = o.blocks as Array<{ width: number; embedding: number }>;
      let inputs = 0;
      let needed = 0;
      for (const b of blocks) {
        needed += b.embedding > 0 ? b.width * b.embedding : 0;
        inputs += b.embedding > 0 ? b.embedding : b.width;
      }
      for (const h of [...(o.hidden as number[]), o.outputs as number]) {
        needed += inputs * h;
        inputs = h;
      }
      return withinWeights(needed, w, 'hidden', 'this layout');
    },
  ),
  (o) => o.outputs as number,
);

registerSpecBounds('resnet', (o, w) =>
  firstProblem(
    () => wholeIn(o.inChannels, 'inChannels', 1, 64),
    () => wholeIn(o.classes, 'classes', 1, MAX_OUTPUTS),
    // Every block holds at least two convolutions' weights, so the blocks are bounded by the file's tensors.
    () => arrayOf(o.blocks, 'blocks', 1, 8, (b, f) => wholeIn(b, f, 1, Math.max(1, Math.floor(w.tensors / 2)))),
    () => (o.widths === undefined ? null : arrayOf(o.widths, 'widths', (o.blocks as unknown[]).length, (o.blocks as unknown[]).length, (x, f) => wholeIn(x, f, 1, MAX_WIDTH))),
    () => (o.stem === undefined || o.stem === 'small' || o.stem === 'imagenet' ? null : { field: 'stem', message: `expected "small" or "imagenet", found ${kindOf(o.stem)}` }),
    () => (o.block === undefined || o.block === 'basic' || o.block === 'bottleneck' ? null : { field: 'block', message: `expected "basic" or "bottleneck", found ${kindOf(o.block)}` }),
    () => optionalRate(o.dropout, 'dropout'),
    () => (o.input === undefined || o.input === null ? null : inputAdapterProblem(o.input)),
    () => {
      // The 3×3 convolution of every block: planes × planes × 9 weights at least.
      const blocks = o.blocks as number[];
      const four = blocks.length >= 4;
      const widths = (o.widths as number[] | undefined) ?? blocks.map((_, i) => (four ? 64 : 16) * 2 ** i);
      return withinWeights(
        blocks.reduce((a, n, s) => a + n * 9 * widths[s] * widths[s], 0),
        w,
        'blocks',
        'this ResNet',
      );
    },
  ),
  (o) => o.classes as number,
);

function inputAdapterProblem(v: unknown): SpecProblem | null {
  if (!isObject(v)) return { field: 'input', message: `expected an object, found ${kindOf(v)}` };
  const stats = (x: unknown, f: string) => arrayOf(x, f, 1, 64, (s, g) => (Number.isFinite(s) ? null : { field: g, message: `expected a finite number, found ${kindOf(s)}` }));
  const positive = (x: unknown, f: string) => arrayOf(x, f, 1, 64, (s, g) => (Number.isFinite(s) && (s as number) > 0 ? null : { field: g, message: `expected a positive number, found ${kindOf(s)}` }));
  return firstProblem(
    () => stats(v.dataMean, 'input.dataMean'),
    () => positive(v.dataStd, 'input.dataStd'),
    () => stats(v.mean, 'input.mean'),
    () => positive(v.std, 'input.std'),
    () => (v.channels === undefined ? null : wholeIn(v.channels, 'input.channels', 1, 64)),
    () => (v.size === undefined ? null : arrayOf(v.size, 'input.size', 2, 2, (x, f) => wholeIn(x, f, 1, 8192))),
  );
}

registerSpecBounds('sequence', (o, w) =>
  firstProblem(
    () => wholeIn(o.vocabulary, 'vocabulary', 1, MAX_FEATURES),
    () => (o.embeddingDim === undefined ? null : wholeIn(o.embeddingDim, 'embeddingDim', 1, MAX_WIDTH)),
    () => (o.hidden === undefined ? null : wholeIn(o.hidden, 'hidden', 1, MAX_WIDTH)),
    () => (o.layers === undefined ? null : wholeIn(o.layers, 'layers', 1, Math.min(64, w.tensors))),
    () => wholeIn(o.outputs, 'outputs', 1, MAX_OUTPUTS),
    () => optionalRate(o.dropout, 'dropout'),
    () => optionalBoolean(o.bidirectional, 'bidirectional'),
    () => optionalScale(o.outputScale, 'outputScale'),
    () => {
      const e = (o.embeddingDim as number | undefined) ?? 64;
      const h = (o.hidden as number | undefined) ?? 128;
      // The embedding table and the first LSTM layer's input and recurrent weights (4 gates).
      return withinWeights((o.vocabulary as number) * e + 4 * h * (e + h), w, 'vocabulary', 'this embedding and LSTM');
    },
  ),
  (o) => o.outputs as number,
);
