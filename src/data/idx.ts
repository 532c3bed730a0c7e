// IDX files (the MNIST format), plain or gzipped: a big-endian magic number
// (0x0000 08 nd: unsigned bytes, nd dimensions), nd u32 sizes, then the bytes.
// An images file "…-images-idx3-ubyte[.gz]" is read with its labels file
// "…-labels-idx1-ubyte[.gz]" from the same folder.
import { promises as fs } from 'node:fs';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { DataError, quote } from './errors.js';
import { isGzip, requireFile } from './source.js';
import type { ImageSet } from './image_set.js';

const gunzipAsync = promisify(gunzip);

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

/** Reads one IDX file of unsigned bytes; checks the magic number and that the data size matches the header. */
export async function readIdxFile(path: string, expectDims?: number): Promise<IdxArray> {
  await requireFile(path);
  let bytes: Uint8Array = await fs.readFile(path);
  if (isGzip(bytes)) {
    try {
      bytes = await gunzipAsync(bytes);
    } catch (e) {
      throw new DataError(path, 0, 'valid gzip data', quote((e as Error).message, 80));
    }
  }
  if (bytes.length < 4) throw new DataError(path, 0, 'an IDX header (at least 4 bytes)', `${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  const nd = bytes[3];
  if (bytes[0] !== 0 || bytes[1] !== 0 || bytes[2] !== 0x08 || nd === 0 || (expectDims !== undefined && nd !== expectDims)) {
    const want = expectDims !== undefined ? hex(0x800 + expectDims) : '0x000008nn';
    throw new DataError(path, 0, `IDX magic ${want} (unsigned bytes${expectDims !== undefined ? `, ${expectDims} dimension${expectDims > 1 ? 's' : ''}` : ''})`, hex(magic));
  }
  const headerLen = 4 + 4 * nd;
  if (bytes.length < headerLen) throw new DataError(path, 0, `a ${headerLen}-byte header for ${nd} dimensions`, `${bytes.length} bytes`);
  const dims: number[] = [];
  for (let i = 0; i < nd; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const size = dims.reduce((a, b) => a * b, 1);
  const actual = bytes.length - headerLen;
  if (actual !== size) throw new DataError(path, 0, `${size} data bytes after the header (${dims.join('×')})`, `${actual} bytes`);
  return { dims, data: bytes.subarray(headerLen) };
}

/** The labels file that belongs to an images file. */
export function labelsPathFor(imagesPath: string): string {
  const p = imagesPath.replace(/images-idx3-ubyte/, 'labels-idx1-ubyte');
  if (p === imagesPath) throw new DataError(imagesPath, 0, 'a file named …-images-idx3-ubyte[.gz]', 'another name (pass labelsPath)');
  return p;
}

export interface IdxOptions {
  /** The labels file. Default: the images path with images-idx3-ubyte replaced by labels-idx1-ubyte. */
  labelsPath?: string;
  /** Class names in label order. Default "0", "1", … up to the largest label. */
  classes?: string[];
}

/** Reads an IDX images file and its labels as an ImageSet of [N, 1, H, W] bytes. */
export async function readIdx(imagesPath: string, options: IdxOptions = {}): Promise<ImageSet> {
  const labelsPath = options.labelsPath ?? labelsPathFor(imagesPath);
  const [img, lab] = await Promise.all([readIdxFile(imagesPath, 3), readIdxFile(labelsPath, 1)]);
  const [n, h, w] = img.dims;
  if (lab.dims[0] !== n) throw new DataError(labelsPath, 0, `${n} labels (one per image in ${imagesPath})`, `${lab.dims[0]}`);
  const labels = Int32Array.from(lab.data);
  let max = -1;
  for (const l of labels) if (l > max) max = l;
  const classes = options.classes ?? Array.from({ length: max + 1 }, (_, i) => String(i));
  if (max >= classes.length) throw new DataError(labelsPath, 0, `labels below ${classes.length} (the classes given)`, `label ${max}`);
  const sources = Array.from({ length: n }, (_, i) => `${imagesPath}#${i}`);
  return { images: img.data, shape: [n, 1, h, w], labels, classes, sources, report: { rows: n, skipped: [] } };
}
