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

/** The size an image declares in its header. */
export interface ImageSize {
  format: ImageFormat;
  width: number;
  height: number;
}

/**
 * Width and height from the header bytes alone, for the formats whose header
 * is a few fixed fields (PNG's IHDR, JPEG's start-of-frame, GIF's screen,
 * WebP's VP8/VP8L/VP8X); null for others (TIFF) or a header that does not
 * hold them. Nothing is decoded, so a size can be refused before any work.
 */
export function headerSize(b: Uint8Array, format: ImageFormat): { width: number; height: number } | null {
  const u16be = (i: number) => (b[i] << 8) | b[i + 1];
  const u32be = (i: number) => b[i] * 2 ** 24 + ((b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]);
  const u16le = (i: number) => b[i] | (b[i + 1] << 8);
  const u24le = (i: number) => b[i] | (b[i + 1] << 8) | (b[i + 2] << 16);
  switch (format) {
    case 'png':
      // The signature, then the IHDR chunk: length, "IHDR", width, height (big-endian).
      return b.length >= 24 && b[12] === 0x49 && b[13] === 0x48 && b[14] === 0x44 && b[15] === 0x52 ? { width: u32be(16), height: u32be(20) } : null;
    case 'gif':
      return b.length >= 10 ? { width: u16le(6), height: u16le(8) } : null;
    case 'webp': {
      if (b.length < 30) return null;
      const chunk = String.fromCharCode(b[12], b[13], b[14], b[15]);
      if (chunk === 'VP8X') return { width: u24le(24) + 1, height: u24le(27) + 1 };
      if (chunk === 'VP8L' && b[20] === 0x2f) {
        const bits = b[21] | (b[22] << 8) | (b[23] << 16) | (b[24] << 24);
        return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
      }
      if (chunk === 'VP8 ') return { width: u16le(26) & 0x3fff, height: u16le(28) & 0x3fff };
      return null;
    }
    case 'jpeg': {
      // Markers from after SOI: the first start-of-frame (C0–CF but C4, C8, CC) holds height then width.
      for (let i = 2; i + 9 < b.length; ) {
        if (b[i] !== 0xff) return null;
        const marker = b[i + 1];
        if (marker === 0xff) {
          i++; // fill byte
          continue;
        }
        if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
          i += 2;
          continue;
        }
        if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return { width: u16be(i + 7), height: u16be(i + 5) };
        if (marker === 0xda || marker === 0xd9) return null; // scan data or the end before any frame header
        i += 2 + u16be(i + 2);
      }
      return null;
    }
    default:
      return null;
  }
}

/**
 * The size an image declares, read before any decoding: from its header
 * bytes where the format allows (headerSize), else by sharp's header reader.
 * ImageDecodeError when the bytes are not an image or declare no size.
 */
export async function readImageSize(bytes: Uint8Array): Promise<ImageSize> {
  const format = sniffImageFormat(bytes);
  if (!format) throw notAnImage(bytes);
  let size = headerSize(bytes, format);
  if (!size) {
    try {
      const meta = await sharp(bytes, { failOn: 'error' }).metadata();
      size = { width: meta.width ?? 0, height: meta.height ?? 0 };
    } catch (e) {
      throw new ImageDecodeError('corrupt', `a ${format.toUpperCase()} image that cannot be read: ${(e as Error).message}`);
    }
  }
  if (!(size.width > 0 && size.height > 0)) throw new ImageDecodeError('corrupt', `a ${format.toUpperCase()} image without a size (its header declares ${size.width}×${size.height})`);
  return { format, ...size };
}

/**
 * What decoding an image of this size costs, in pixels: its pixels plus 32
 * per row and per column. Measured with sharp (decode and resize to 224²,
 * this machine): ~21 ns a pixel on a square image, but ~0.7 µs a row or a
 * column on a thin one — a 1×1,000,000 PNG (1 M pixels) took 750 ms, a
 * 3000×3000 one (9 M pixels) 190 ms — so a sliver is charged for its length.
 */
export function decodeCost(size: { width: number; height: number }): number {
  return size.width * size.height + 32 * (size.width + size.height);
}

function notAnImage(bytes: Uint8Array): ImageDecodeError {
  return new ImageDecodeError('unsupported', `not a PNG, JPEG, WebP, GIF or TIFF image (first bytes ${Buffer.from(bytes.subarray(0, 8)).toString('hex') || 'none'})`);
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
  if (!format) throw notAnImage(bytes);
  const maxPixels = t.maxPixels ?? 50_000_000;
  // The header's own size first: a bomb is refused before sharp reads anything.
  const declared = headerSize(bytes, format);
  if (declared && declared.width * declared.height > maxPixels) throw new ImageDecodeError('too-large', `a ${declared.width}×${declared.height} image: more than ${maxPixels} pixels`);
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
