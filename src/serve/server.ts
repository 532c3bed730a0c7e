// The HTTP face of a Predictor (fastify). Every request is checked before any
// work: the body size by fastify's bodyLimit (413 before the handler runs),
// the envelope by a JSON schema (400), and each row's fields by the model's
// input rules (400 missing field, 422 wrong type, naming field and row). No
// route takes a path or file name: the model directory is fixed at start-up.
import Fastify, { type FastifyInstance } from 'fastify';
import { feedbackSchema, serveLifecycle, setErrorReplies } from './lifecycle.js';
import type { Store } from '../store/index.js';
import type { Cell } from '../data/index.js';
import { toNumber } from '../data/index.js';
import type { Predictor, CheckedRows, Prediction } from './predictor.js';
import { DriftMonitor } from './drift.js';
import { readReferenceProfile, classKeyOf, fieldRanges, type ReferenceProfile } from './reference.js';
import { rangeWarnings, showValue, listClasses } from './input.js';
import { ServeRecords, type FeedbackItem } from './records.js';
import { InputError } from './errors.js';
import { MicroBatcher } from './batcher.js';
import { observeInSlices, SLICE_ROWS } from './slices.js';
import { DriftBatch } from './drift_batch.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** /predict: the rows its preHandler checked against the model's input rules. */
    checkedRows: CheckedRows | null;
    /** /feedback: the labels its preHandler checked. */
    feedbackItems: FeedbackItem[] | null;
  }
}

export interface ServerOptions {
  predictor: Predictor;
  /** The project store predictions, feedback and drift are written to. */
  store: Store;
  /** The model's test value of its metric (accuracy or rmse), shown beside the real-world one. Default: the manifest's metrics.test, else none. */
  testValue?: number | null;
  /** Drift reference. Default: the model directory's reference.json, else an approximation from the manifest. */
  reference?: ReferenceProfile;
  /** Largest request body in bytes; larger ones get 413 before any handler. Default 1 MiB. */
  bodyLimit?: number;
  /** Most rows (or feedback labels) in one request. Default 10 000. */
  maxRows?: number;
  /** Drift reports are saved to the store at most this often (ms). Default 5000. */
  driftSaveMs?: number;
  /** Most rows of concurrent requests joined in one forward pass (micro-batching); 0 turns it off. Default 512. */
  batchRows?: number;
  /** Runs predictions off the event loop (OnnxEngine); default none: the predictor on the event loop, micro-batched. */
  engine?: { predict(rows: CheckedRows): Promise<Prediction[]> };
  /** fastify's logger. Default false. */
  logger?: boolean;
}

export interface Served {
  app: FastifyInstance;
  monitor: DriftMonitor;
  records: ServeRecords;
  /** Stops accepting requests, lets in-flight ones finish, then flushes records and saves the drift report. The predictor and store stay with their owner. */
  close(): Promise<void>;
}

/** The test value of the model's metric recorded in its manifest, if any. */
export function manifestTestValue(predictor: Predictor): number | null {
  const v = predictor.manifest.metrics?.test?.[predictor.metric];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export function createServer(o: ServerOptions): Served {
  const { predictor } = o;
  const maxRows = o.maxRows ?? 10_000;
  const reference = o.reference ?? readReferenceProfile(predictor.dir, predictor.manifest, predictor.modelKey);
  const ranges = fieldRanges(reference);
  const tablePre = predictor.manifest.preprocessing.kind === 'image' ? undefined : predictor.manifest.preprocessing.preprocessor;
  const monitor = new DriftMonitor(reference, { missingTokens: tablePre?.missingTokens ?? [], preprocessor: tablePre });
  const drift = new DriftBatch(monitor);
  const records = new ServeRecords(o.store, { key: predictor.modelKey, dir: predictor.dir, task: predictor.task, metric: predictor.metric, testValue: o.testValue ?? manifestTestValue(predictor) }, { offThread: true });
  // A column may be named "__proto__" or "constructor": such keys stay own properties of the parsed body (JSON.parse makes
  // them so; nothing here merges client objects into others), and checkRows copies rows into objects without a prototype.
  const app = Fastify({ logger: o.logger ?? false, bodyLimit: o.bodyLimit ?? 1 << 20, return503OnClosing: true, forceCloseConnections: 'idle', onProtoPoisoning: 'ignore', onConstructorPoisoning: 'ignore' });
  const batcher = o.batchRows === 0 ? null : new MicroBatcher(predictor, { maxRows: o.batchRows ?? 512 });
  // What the preHandlers validated, handed to the handlers on the request
  // itself. Not a WeakMap keyed by requests: its entries kept every young
  // collection's dead requests alive (~0.4 MB copied per scavenge at 2,000
  // requests/s, pauses 0.7 → 2.4 ms), which was most of the p99 tail.
  app.decorateRequest('checkedRows', null);
  app.decorateRequest('feedbackItems', null);

  setErrorReplies(app);

  const life = serveLifecycle(app, {
    modelKey: predictor.modelKey,
    records,
    driftReport: () => {
      drift.flush();
      return monitor.report();
    },
    driftSaveMs: o.driftSaveMs,
  });

  app.get('/model', async () => {
    const m = predictor.manifest;
    return {
      model: predictor.modelKey,
      task: predictor.task,
      classes: predictor.classes,
      inputs: predictor.fields,
      schema: m.preprocessing.kind === 'image' ? null : m.preprocessing.schema.columns.map((c) => ({ name: c.name, kind: c.kind, role: c.role })),
      costFunction: m.costFunction,
      metrics: m.metrics,
      realWorldMetric: predictor.metric,
      dataFingerprint: m.dataFingerprint,
      createdAt: m.createdAt,
      versions: m.versions,
      reference: reference.source,
    };
  });

  app.get('/drift', async () => {
    drift.flush();
    return { ...monitor.report(), realWorld: records.realWorld() };
  });

  app.post(
    '/predict',
    {
      schema: { body: { type: 'object', required: ['rows'], properties: { rows: { type: 'array', minItems: 1, maxItems: maxRows, items: { type: 'object' } } } } },
      // The model's own input rules, before the handler does any work.
      preHandler: async (req) => {
        req.checkedRows = predictor.check((req.body as { rows: unknown }).rows);
      },
    },
    async (req) => {
      const rows = req.checkedRows!;
      const predictions = o.engine ? await o.engine.predict(rows) : batcher ? await batcher.predict(rows) : predictor.predictChecked(rows);
      if (rows.length <= SLICE_ROWS) drift.add(rows, predictions);
      else {
        drift.flush();
        await observeInSlices(monitor, rows, predictions);
      }
      records.record(predictions);
      life.saveDrift();
      // Extrapolations are answered, and said to be extrapolations.
      return { model: predictor.modelKey, predictions, warnings: rangeWarnings(rows, ranges) };
    },
  );

  app.post(
    '/feedback',
    {
      schema: feedbackSchema(maxRows),
      preHandler: async (req) => {
        req.feedbackItems = parseFeedback(predictor, (req.body as { labels: Array<{ id: string; label: unknown }> }).labels);
      },
    },
    async (req) => {
      const { accepted, unknown } = records.feedback(req.feedbackItems!);
      return { accepted, unknown, realWorld: records.realWorld() };
    },
  );

  return {
    app,
    monitor,
    records,
    close: () => life.close(),
  };
}

/** True labels in the model's terms: a known class (as the training encoder keys it) or a finite number. */
function parseFeedback(predictor: Predictor, labels: Array<{ id: string; label: unknown }>): FeedbackItem[] {
  const classes = predictor.classes ?? [];
  const pre = predictor.manifest.preprocessing.kind === 'image' ? null : predictor.manifest.preprocessing.preprocessor;
  return labels.map((l, i) => {
    const field = `labels[${i}].label`;
    if (predictor.task === 'regression') {
      const x = typeof l.label === 'object' ? null : toNumber(l.label as Cell);
      if (x === null || !Number.isFinite(x)) throw new InputError(field, i, 'type', `labels[${i}]: "label" must be a finite number, found ${showValue(l.label)}`);
      return { id: l.id, value: x };
    }
    if (predictor.task === 'multilabel') {
      if (!Array.isArray(l.label) || !l.label.every((x) => typeof x === 'string' && classes.includes(x))) throw new InputError(field, i, 'type', `labels[${i}]: "label" must be an array of labels among ${listClasses(classes)}, found ${showValue(l.label)}`);
      return { id: l.id, label: classes.filter((c) => (l.label as string[]).includes(c)).join('|') };
    }
    const key = pre && l.label !== null && typeof l.label !== 'object' ? classKeyOf(pre, l.label as Cell) : null;
    if (key === null || !classes.includes(key)) throw new InputError(field, i, 'type', `labels[${i}]: "label" must be one of ${listClasses(classes)}, found ${showValue(l.label)}`);
    return { id: l.id, label: key };
  });
}

/** Listens on host:port (default 127.0.0.1, an ephemeral port); resolves to the base URL. */
export async function listen(served: Served, o: { host?: string; port?: number } = {}): Promise<string> {
  return served.app.listen({ host: o.host ?? '127.0.0.1', port: o.port ?? 0 });
}
