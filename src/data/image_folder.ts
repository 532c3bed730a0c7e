// Image folders: root/<class>/*.png|jpg|jpeg|webp, decoded and resized with
// sharp into one [N, C, H, W] byte array. Classes are the sorted folder names.
import { promises as fs } from 'node:fs';
import { extname, join } from 'node:path';
import { DataError, quote } from './errors.js';
import { requireDirectory } from './source.js';
import type { ImageSet } from './image_set.js';
import { decodeImage } from './image_decode.js';

export interface ImageFolderOptions {
  /** Output [height, width], or one number for a square; images are resized to it (stretching). Default 32. */
  size?: number | [number, number];
  /** 1 (greyscale) or 3 (RGB). Default 3. */
  channels?: 1 | 3;
  /** Skip images that fail to decode, and report them, instead of throwing. Default false. */
  lenient?: boolean;
  /** File extensions taken as images. Default .png .jpg .jpeg .webp. */
  extensions?: string[];
  /** Images decoded at once. Default 4. */
  concurrency?: number;
}

/** Reads root/<class>/<image> files into an ImageSet. */
export async function readImageFolder(root: string, options: ImageFolderOptions = {}): Promise<ImageSet> {
  await requireDirectory(root);
  const size = options.size ?? 32;
  const [H, W] = typeof size === 'number' ? [size, size] : size;
  const C = options.channels ?? 3;
  const exts = new Set((options.extensions ?? ['.png', '.jpg', '.jpeg', '.webp']).map((e) => e.toLowerCase()));
  const entries = await fs.readdir(root, { withFileTypes: true });
  const classes = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
  const files: { path: string; label: number }[] = [];
  for (let c = 0; c < classes.length; c++) {
    const names = (await fs.readdir(join(root, classes[c]))).filter((f) => exts.has(extname(f).toLowerCase())).sort();
    for (const f of names) files.push({ path: join(root, classes[c], f), label: c });
  }
  if (files.length === 0) throw new DataError(root, 0, `class folders holding ${[...exts].join('/')} images`, classes.length ? `${classes.length} folder(s) without images` : 'no class folders');

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
    images,
    shape: [kept.length, C, H, W],
    labels: Int32Array.from(kept, (k) => files[k].label),
    classes,
    sources: kept.map((k) => files[k].path),
    originalSizes: Int32Array.from(kept.flatMap((k) => sizes[k])),
    report: { rows: kept.length, skipped: skipped.map((s) => ({ line: s.line, reason: s.reason })) },
  };
}
