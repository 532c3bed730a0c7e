// Image folders: root/<class>/*.png|jpg|jpeg|webp, decoded and resized with
// sharp into one [N, C, H, W] byte array. Classes are the sorted folder names.
// Without a given size and channels they come from the images' own headers
// (image_size.ts): small images keep their size, greyscale keeps one channel.
import { promises as fs } from 'node:fs';
import { extname, join } from 'node:path';
import sharp from 'sharp';
import { DataError, quote } from './errors.js';
import { requireDirectory } from './source.js';
import type { ImageSet } from './image_set.js';
import { decodeImage } from './image_decode.js';
import { chooseImageShape, naturalImages, type ImageHeader, type ImageShapeChoice, type NaturalImages, type SideCap } from './image_size.js';

export interface ImageFolderOptions {
  /** Output [height, width], or one number for a square; images are resized to it (stretching). Default: from the images (image_size.ts). */
  size?: number | [number, number];
  /** 1 (greyscale) or 3 (RGB). Default: 1 when every image is greyscale, else 3. */
  channels?: 1 | 3;
  /** Without `size`: the cap on the working side for large images, given what the images are (default DEFAULT_MAX_SIDE). */
  cap?: (natural: NaturalImages) => SideCap | Promise<SideCap>;
  /** Skip images that fail to decode, and report them, instead of throwing. Default false. */
  lenient?: boolean;
  /** File extensions taken as images. Default .png .jpg .jpeg .webp. */
  extensions?: string[];
  /** Images decoded at once. Default 4. */
  concurrency?: number;
}

/** An image folder as read: the set, and how its working shape was chosen (null when size and channels were given). */
export interface ImageFolder extends ImageSet {
  shapeChoice: ImageShapeChoice | null;
}

/** The header of each file (null: unreadable; the decoding pass reports it). */
async function readHeaders(paths: string[], concurrency: number): Promise<Array<ImageHeader | null>> {
  const out: Array<ImageHeader | null> = new Array(paths.length).fill(null);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < paths.length; i = next++) {
      try {
        const m = await sharp(paths[i], { failOn: 'error' }).metadata();
        if (m.width && m.height) out[i] = { width: m.width, height: m.height, greyscale: m.space === 'b-w' || (m.channels ?? 3) <= 2 };
      } catch {
        out[i] = null;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return out;
}

/** Reads root/<class>/<image> files into an ImageSet. */
export async function readImageFolder(root: string, options: ImageFolderOptions = {}): Promise<ImageFolder> {
  await requireDirectory(root);
  const exts = new Set((options.extensions ?? ['.png', '.jpg', '.jpeg', '.webp']).map((e) => e.toLowerCase()));
  const entries = await fs.readdir(root, { withFileTypes: true });
  const classes = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
  const files: { path: string; label: number }[] = [];
  for (let c = 0; c < classes.length; c++) {
    const names = (await fs.readdir(join(root, classes[c]))).filter((f) => exts.has(extname(f).toLowerCase())).sort();
    for (const f of names) files.push({ path: join(root, classes[c], f), label: c });
  }
  if (files.length === 0) throw new DataError(root, 0, `class folders holding ${[...exts].join('/')} images`, classes.length ? `${classes.length} folder(s) without images` : 'no class folders');

  let shapeChoice: ImageShapeChoice | null = null;
  const fixed = Array.isArray(options.size) ? options.size : typeof options.size === 'number' ? ([options.size, options.size] as [number, number]) : null;
  let [H, W] = fixed ?? [32, 32];
  let C: number = options.channels ?? 3;
  if (!fixed || !options.channels) {
    const headers = (await readHeaders(files.map((f) => f.path), options.concurrency ?? 4)).filter((h): h is ImageHeader => h !== null);
    // No readable header at all: the decoding pass below reports the first file.
    if (headers.length) {
      const natural = naturalImages(headers);
      const side = typeof options.size === 'number' ? options.size : undefined;
      const choice = chooseImageShape(natural, { size: side, channels: options.channels, cap: !fixed && options.cap ? await options.cap(natural) : undefined });
      // A given [height, width] is the caller's own: only the channels came from the images.
      shapeChoice = Array.isArray(options.size) ? null : choice;
      [H, W] = fixed ?? [choice.height, choice.width];
      C = choice.channels;
    }
  }

  const per = C * H * W;
  const decoded: (Uint8Array | null)[] = new Array(files.length).fill(null);
  const sizes: Array<[number, number]> = new Array(files.length);
  const skipped: { line: number; reason: string; file: string }[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= files.length) return;
      const { path } = files[i];
      try {
        // The same decoding predict and serve use (data/image_decode.ts).
        const d = await decodeImage(await fs.readFile(path), { height: H, width: W, channels: C });
        decoded[i] = d.pixels;
        sizes[i] = [d.original.width, d.original.height];
      } catch (e) {
        const err = new DataError(path, 0, 'a decodable PNG, JPEG or WebP image', quote((e as Error).message, 100));
        if (!options.lenient) throw err;
        skipped.push({ line: 0, reason: err.message, file: path });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 4) }, worker));

  const kept = decoded.map((d, i) => (d ? i : -1)).filter((i) => i >= 0);
  const images = new Uint8Array(kept.length * per);
  kept.forEach((k, j) => images.set(decoded[k]!, j * per));
  return {
    shapeChoice,
    images,
    shape: [kept.length, C, H, W],
    labels: Int32Array.from(kept, (k) => files[k].label),
    classes,
    sources: kept.map((k) => files[k].path),
    originalSizes: Int32Array.from(kept.flatMap((k) => sizes[k])),
    report: { rows: kept.length, skipped: skipped.map((s) => ({ line: s.line, reason: s.reason })) },
  };
}
