// The HTTP face of an ImagePredictor. POST /predict takes images three ways:
// multipart/form-data (one or more files, any field names), JSON
// {"images": ["<base64>" | {"name", "data": "<base64>"}]}, or a raw image body
// (content-type image/*). Every byte limit is enforced before decoding (413);
// a body that is not an image is 415, an image that fails to decode 422, each
// naming the part. Drift of the served images, records and feedback as for tables.
import Fastify, { type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify';
import { feedbackSchema, serveLifecycle, setErrorReplies } from './lifecycle.js';
import multipart from '@fastify/multipart';
import type { Store } from '../store/index.js';
import { ImageDecodeError, readImageSize, decodeCost, type DecodedImage, type ImageSize } from '../data/index.js';
import { listClasses, showValue } from './input.js';
import type { ImagePredictor } from './image_predictor.js';
import { ImageDriftMonitor } from './image_drift.js';
import { readImageReference } from './image_reference.js';
import { ServeRecords, type FeedbackItem } from './records.js';

export interface ImageServerOptions {
  predictor: ImagePredictor;
  store: Store;
  /** The model's test accuracy, shown beside the real-world one; default the manifest's. */
  testValue?: number | null;
  /** Largest image file (multipart, raw) and largest JSON body, in bytes; larger ones get 413 before decoding. Default 10 MiB. */
  bodyLimit?: number;
  /** Most images in one request; default 64. */
  maxImages?: number;
  /**
   * Decoding budget of one request, in pixels as decodeCost counts them (a
   * thin image pays for its length): the sizes the images declare are summed
   * before any is decoded, and a request over it gets 413. Default 100 M.
   */
  maxRequestPixels?: number;
  /** Time one request's images may take to decode (ms); past it the rest are not decoded and the request gets 413. Default 10 000. */
  decodeMs?: number;
  /** Drift reports are saved to the store at most this often (ms). Default 5000. */
  driftSaveMs?: number;
  logger?: boolean;
}

export interface ImageServed {
  app: FastifyInstance;
  monitor: ImageDriftMonitor;
  records: ServeRecords;
  close(): Promise<void>;
}

/** A request error with its HTTP status and the part it concerns. */
export class ImageRequestError extends Error {
  override name = 'ImageRequestError';
  constructor(readonly status: number, readonly part: string | null, readonly problem: string, message: string) {
    super(message);
  }
  toJSON() {
    return { error: this.message, part: this.part, problem: this.problem };
  }
}

const STATUS = { unsupported: 415, corrupt: 422, 'too-large': 413 } as const;

/** One uploaded image, named by where it came from in the request. */
interface Upload {
  part: string;
  bytes: Buffer;
}

const BASE64 = /^[A-Za-z0-9+/=\s]*$/;

/** A client-given name for a message, cut short. */
const shortName = (s: string) => (s.length > 80 ? `${s.slice(0, 79)}…` : s);

function fromJson(body: unknown, maxImages: number): Upload[] {
  const images = (body as { images?: unknown })?.images;
  if (!Array.isArray(images) || images.length === 0) throw new ImageRequestError(400, 'images', 'missing', 'JSON bodies carry {"images": ["<base64>", …]} or {"images": [{"name": …, "data": "<base64>"}]}');
  if (images.length > maxImages) throw new ImageRequestError(413, 'images', 'too-many', `${images.length} images in one request; at most ${maxImages}`);
  return images.map((im, i) => {
    const data = typeof im === 'string' ? im : (im as { data?: unknown })?.data;
    const name = typeof im === 'object' && im && typeof (im as { name?: unknown }).name === 'string' ? (im as { name: string }).name : null;
    const part = `images[${i}]${name ? ` (${shortName(name)})` : ''}`;
    if (typeof data !== 'string') throw new ImageRequestError(400, part, 'missing', `${part}: expected a base64 string (or an object with "data"), found ${showValue(im)}`);
    const clean = data.replace(/^data:[^;,]*;base64,/, '');
    if (!BASE64.test(clean)) throw new ImageRequestError(422, part, 'base64', `${part}: not valid base64`);
    return { part, bytes: Buffer.from(clean, 'base64') };
  });
}

async function fromMultipart(req: FastifyRequest, maxImages: number): Promise<Upload[]> {
  const out: Upload[] = [];
  try {
    for await (const p of req.parts()) {
      const field = shortName(p.fieldname);
      if (p.type !== 'file') throw new ImageRequestError(400, field, 'not-a-file', `form field "${field}" is not a file: send images as file parts`);
      const bytes = await p.toBuffer(); // throws 413 past the file size limit, before any decoding
      if (out.length >= maxImages) throw new ImageRequestError(413, field, 'too-many', `more than ${maxImages} images in one request`);
      out.push({ part: `${field}${p.filename ? ` (${shortName(p.filename)})` : ''}`, bytes });
    }
  } catch (e) {
    // The form parser's own errors (no boundary, a bogus one, a form that never closes) are the client's: 400, not 500.
    if (e instanceof ImageRequestError || ((e as FastifyError).statusCode ?? 500) < 500) throw e;
    throw new ImageRequestError(400, 'body', 'multipart', `malformed multipart/form-data: ${(e as Error).message}`);
  }
  if (out.length === 0) throw new ImageRequestError(400, null, 'missing', 'the form holds no image files');
  return out;
}

/** The requested images' declared sizes against the request's decoding budget, before anything is decoded. */
async function checkBudget(uploads: readonly Upload[], bytesLimit: number, maxPixels: number, maxRequestPixels: number): Promise<void> {
  let total = 0;
  for (const u of uploads) {
    if (u.bytes.length > bytesLimit) throw new ImageRequestError(413, u.part, 'too-large', `${u.part}: ${u.bytes.length} bytes; at most ${bytesLimit}`);
    let size: ImageSize;
    try {
      size = await readImageSize(u.bytes);
    } catch (e) {
      throw decodeFailure(u, e);
    }
    const label = `a ${size.width}×${size.height} ${size.format.toUpperCase()}`;
    if (size.width * size.height > maxPixels) throw new ImageRequestError(413, u.part, 'too-large', `${u.part}: ${label} image: more than ${maxPixels} pixels`);
    total += decodeCost(size);
    if (total > maxRequestPixels) {
      throw new ImageRequestError(413, u.part, 'decode-budget', `${u.part}: ${label} image brings this request's decoding cost to ${fmtPixels(total)} pixels (each image's pixels, plus 32 per row and per column); one request may cost at most ${fmtPixels(maxRequestPixels)}: send fewer or smaller images`);
    }
  }
}

const fmtPixels = (n: number) => (n >= 1e6 ? `${(n / 1e6).toPrecision(3)} M` : String(n));

function decodeFailure(u: Upload, e: unknown): Error {
  if (e instanceof ImageDecodeError) return new ImageRequestError(STATUS[e.problem], u.part, e.problem, `${u.part}: ${e.message}`);
  return e as Error;
}

export function createImageServer(o: ImageServerOptions): ImageServed {
  const { predictor } = o;
  const bodyLimit = o.bodyLimit ?? 10 << 20;
  const maxImages = o.maxImages ?? 64;
  const maxRequestPixels = o.maxRequestPixels ?? 100_000_000;
  const decodeMs = o.decodeMs ?? 10_000;
  const monitor = new ImageDriftMonitor(readImageReference(predictor.dir), predictor.shape[0]);
  const manifestTest = predictor.manifest.metrics?.test?.accuracy;
  const testValue = o.testValue ?? (typeof manifestTest === 'number' ? manifestTest : null);
  const records = new ServeRecords(o.store, { key: predictor.modelKey, dir: predictor.dir, task: predictor.task, metric: 'accuracy', testValue }, { offThread: true });
  // JSON carries base64 (4/3 of the bytes): the body limit leaves room for it.
  const app = Fastify({ logger: o.logger ?? false, bodyLimit: Math.ceil((bodyLimit * 4) / 3) + 4096, return503OnClosing: true, forceCloseConnections: 'idle' });
  void app.register(multipart, { limits: { fileSize: bodyLimit, files: maxImages + 1, fields: 16, parts: maxImages + 17 }, throwFileSizeLimit: true });
  // A raw image body (curl --data-binary @cat.jpg -H 'content-type: image/jpeg'), limited like a file.
  app.addContentTypeParser(/^(image\/.*|application\/octet-stream)$/, { parseAs: 'buffer', bodyLimit }, (_req, body, done) => done(null, body));

  setErrorReplies(app);
  const life = serveLifecycle(app, { modelKey: predictor.modelKey, records, driftReport: () => monitor.report(), driftSaveMs: o.driftSaveMs });
  app.get('/model', async () => {
    const m = predictor.manifest;
    return {
      model: predictor.modelKey,
      task: predictor.task,
      classes: predictor.classes,
      // The data normalization, then (pretrained backbones) the adaptation inside the model.
      input: { kind: 'image', shape: predictor.shape, normalization: { mean: predictor.normalizer.mean, std: predictor.normalizer.std }, adapter: (m.architecture as { options?: { input?: unknown } }).options?.input ?? null },
      costFunction: m.costFunction,
      metrics: m.metrics,
      realWorldMetric: 'accuracy',
      dataFingerprint: m.dataFingerprint,
      createdAt: m.createdAt,
      versions: m.versions,
      reference: monitor.reference ? 'data' : 'none',
      limits: { bytesPerImage: bodyLimit, imagesPerRequest: maxImages, pixelsPerImage: predictor.maxPixels, decodePixelsPerRequest: maxRequestPixels, decodeMsPerRequest: decodeMs },
    };
  });
  app.get('/drift', async () => ({ ...monitor.report(), realWorld: records.realWorld() }));

  app.post('/predict', async (req) => {
    const ct = String(req.headers['content-type'] ?? '');
    const uploads: Upload[] = req.isMultipart()
      ? await fromMultipart(req, maxImages)
      : Buffer.isBuffer(req.body)
        ? [{ part: 'body', bytes: req.body }]
        : ct.startsWith('application/json')
          ? fromJson(req.body, maxImages)
          : (() => {
              throw new ImageRequestError(415, null, 'content-type', `content-type ${ct || 'none'}: send multipart/form-data, application/json with base64, or an image/* body`);
            })();
    await checkBudget(uploads, bodyLimit, predictor.maxPixels, maxRequestPixels);
    const decoded: DecodedImage[] = [];
    const t0 = performance.now();
    for (const u of uploads) {
      const spent = performance.now() - t0;
      if (spent > decodeMs) throw new ImageRequestError(413, u.part, 'decode-time', `${u.part}: this request's images took ${Math.round(spent)} ms to decode before it; one request may take at most ${decodeMs} ms: send fewer or smaller images`);
      try {
        decoded.push(await predictor.decode(u.bytes));
      } catch (e) {
        throw decodeFailure(u, e);
      }
    }
    const predictions = await predictor.predictInTurns(decoded);
    monitor.observe(decoded.map((d) => ({ pixels: d.pixels, channels: predictor.shape[0], width: d.original.width, height: d.original.height })), predictions.map((p) => p.label));
    records.record(predictions);
    life.saveDrift();
    return { model: predictor.modelKey, predictions: predictions.map((p, i) => ({ ...p, part: uploads[i].part })) };
  });

  app.post(
    '/feedback',
    { schema: feedbackSchema(10_000) },
    async (req) => {
      const labels = (req.body as { labels: Array<{ id: string; label: unknown }> }).labels;
      const items: FeedbackItem[] = labels.map((l, i) => {
        const label = typeof l.label === 'number' && Number.isInteger(l.label) ? predictor.classes[l.label] : l.label;
        if (typeof label !== 'string' || !predictor.classes.includes(label)) throw new ImageRequestError(422, `labels[${i}].label`, 'type', `labels[${i}]: "label" must be one of ${listClasses(predictor.classes)}, found ${showValue(l.label)}`);
        return { id: l.id, label };
      });
      const { accepted, unknown } = records.feedback(items);
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
