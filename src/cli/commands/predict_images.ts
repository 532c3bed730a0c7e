// sixstep predict for image models: every image a file, folder or glob names,
// decoded and normalized exactly as in training, with its top classes. A file
// that is not an image or fails to decode stops with its name (exit 3), or
// with --lenient is skipped and reported.
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { resolveImagePaths, DataError, ImageDecodeError, type DecodedImage } from '../../data/index.js';
import { ImagePredictor, type ImagePrediction } from '../../serve/index.js';
import { makeOut } from '../output.js';
import { writeAtomic } from '../../files/index.js';

export interface ImagePredictOptions {
  model: string;
  data: string;
  out?: string;
  lenient?: boolean;
  json?: boolean;
  top?: string;
  device?: string;
}

type Row = ImagePrediction & { file: string };

const cell = (v: unknown) => {
  const s = v === undefined || v === null ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export function imagePredictionsCsv(rows: Row[], classes: string[]): string {
  const head = ['file', 'id', 'prediction', ...classes.map((c) => `p_${c}`)];
  return `${[head, ...rows.map((r) => [r.file, r.id, r.label, ...classes.map((c) => r.probabilities?.[c])])].map((l) => l.map(cell).join(',')).join('\n')}\n`;
}

export async function predictImages(o: ImagePredictOptions): Promise<void> {
  const out = makeOut(Boolean(o.json));
  const predictor = ImagePredictor.load(o.model, { topK: o.top ? Number(o.top) : undefined, device: o.device });
  try {
    const files = await resolveImagePaths(o.data);
    const decoded: DecodedImage[] = [];
    const kept: string[] = [];
    const skipped: Array<{ file: string; reason: string }> = [];
    for (const f of files) {
      try {
        decoded.push(await predictor.decode(readFileSync(f)));
        kept.push(f);
      } catch (e) {
        if (!(e instanceof ImageDecodeError)) throw e;
        if (!o.lenient) throw new DataError(f, 0, `a PNG, JPEG, WebP, GIF or TIFF image`, e.message);
        skipped.push({ file: f, reason: e.message });
      }
    }
    const rows: Row[] = predictor.predictDecoded(decoded).map((p, i) => ({ file: kept[i], ...p }));
    const summary = { model: predictor.dir, task: predictor.task, device: o.device ?? 'cpu', images: rows.length, skipped, input: { shape: predictor.shape } };
    if (o.out) {
      const ext = extname(o.out).toLowerCase();
      writeAtomic(o.out, ext === '.json' ? `${JSON.stringify(rows)}\n` : ext === '.ndjson' || ext === '.jsonl' ? `${rows.map((r) => JSON.stringify(r)).join('\n')}\n` : imagePredictionsCsv(rows, predictor.classes));
      out.say(`${rows.length} predictions written to ${o.out}`);
      out.result({ ...summary, out: o.out });
    } else if (o.json) out.result({ ...summary, predictions: rows });
    else process.stdout.write(imagePredictionsCsv(rows, predictor.classes));
    if (!o.json) for (const s of skipped) process.stderr.write(`skipped ${s.file}: ${s.reason}\n`);
  } finally {
    predictor.dispose();
  }
}
