// One image file's bytes to the model's pixels: the format sniffed from the
// magic bytes (never trusted from a name or a header), decoded by sharp,
// resized by stretching to the training size, converted to 1 or 3 channels,
// in CHW byte order. Training (image folders) and inference (predict, serve)
// both go through here, so a served image is prepared exactly as in training.
import sharp from 'sharp';

export type ImageFormat = 'png' | 'jpeg' | 'webp' | 'gif' | 'tiff';

/** Why an input is not an image we can use: 'unsupported' (not a known image format) or 'corrupt' (the format is known but decoding failed). */
export class ImageDecodeError extends Error {
  override name = 'ImageDecodeError';
  constructor(readonly problem: 'unsupported' | 'corrupt' | 'too-large', message: string) {
    super(message);
  }
}

/** The format by magic bytes, or null. SVG and PDF are refused on purpose: they are programs, not pixels. */
export function sniffImageFormat(b: Uint8Array): ImageFormat | null {
  const at = (i: number, ...v: number[]) => v.every((x, k) => b[i + k] === x);
  if (b.length >= 8 && at(0, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'png';
  if (b.length >= 3 && at(0, 0xff, 0xd8, 0xff)) return 'jpeg';
  if (b.length >= 12 && at(0, 0x52, 0x49, 0x46, 0x46) && at(8, 0x57, 0x45, 0x42, 0x50)) return 'webp';
  if (b.length >= 6 && (at(0, 0x47, 0x49, 0x46, 0x38, 0x37, 0x61) || at(0, 0x47, 0x49, 0x46, 0x38, 0x39, 0x61))) return 'gif';
  if (b.length >= 4 && (at(0, 0x49, 0x49, 0x2a, 0x00) || at(0, 0x4d, 0x4d, 0x00, 0x2a))) return 'tiff';
  return null;
}

export interface DecodeTarget {
  height: number;
  width: number;
  /** 1 (greyscale) or 3 (RGB). */
  channels: number;
  /** Refuse images with more pixels than this before decoding them (a decompression bomb); default 50 M. */
  maxPixels?: number;
}

export interface DecodedImage {
  /** uint8 [channels, height, width] at the target size. */
  pixels: Uint8Array;
  /** The image as it arrived. */
  original: { width: number; height: number; channels: number; format: ImageFormat };
}

/** Decodes and resizes one image; ImageDecodeError says what is wrong with it. */
export async function decodeImage(bytes: Uint8Array, t: DecodeTarget): Promise<DecodedImage> {
  const format = sniffImageFormat(bytes);
  if (!format) throw new ImageDecodeError('unsupported', `not a PNG, JPEG, WebP, GIF or TIFF image (first bytes ${Buffer.from(bytes.subarray(0, 8)).toString('hex') || 'none'})`);
  const maxPixels = t.maxPixels ?? 50_000_000;
  let meta: sharp.Metadata;
  try {
    meta = await sharp(bytes, { failOn: 'error' }).metadata();
  } catch (e) {
    throw new ImageDecodeError('corrupt', `a ${format.toUpperCase()} image that cannot be read: ${(e as Error).message}`);
  }
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  if (!(width > 0 && height > 0)) throw new ImageDecodeError('corrupt', `a ${format.toUpperCase()} image without a size`);
  if (width * height > maxPixels) throw new ImageDecodeError('too-large', `a ${width}×${height} image: more than ${maxPixels} pixels`);
  const { height: H, width: W, channels: C } = t;
  try {
    let img = sharp(bytes, { failOn: 'error', limitInputPixels: maxPixels }).resize(W, H, { fit: 'fill' });
    img = C === 1 ? img.greyscale() : img.removeAlpha().toColourspace('srgb');
    const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== C || data.length !== C * H * W) throw new Error(`decoded to ${info.channels} channels, ${data.length} bytes`);
    const pixels = new Uint8Array(C * H * W);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let ch = 0; ch < C; ch++) pixels[ch * H * W + y * W + x] = data[(y * W + x) * C + ch];
    return { pixels, original: { width, height, channels: meta.channels ?? C, format } };
  } catch (e) {
    throw new ImageDecodeError('corrupt', `a ${format.toUpperCase()} image that fails to decode: ${(e as Error).message}`);
  }
}
