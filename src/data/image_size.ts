// The working size and channels of an image folder, from the images
// themselves: small images are not upsampled (28×28 stays 28×28), greyscale
// stays one channel, and images larger than a cap are scaled down to it with
// their aspect ratio kept. The cap is 64 unless the caller sets one (the
// autopilot measures what fits its time budget: steps/image_budget.ts);
// --image-size overrides all of it. A pure function of the images' headers.

/** What an image's header says, before decoding. */
export interface ImageHeader {
  width: number;
  height: number;
  /** The image has no colour: greyscale (with or without alpha). */
  greyscale: boolean;
}

/** The images' own size: the median width and height, and how many images have exactly that size. */
export interface NaturalImages {
  count: number;
  width: number;
  height: number;
  channels: 1 | 3;
  /** Images whose size is exactly width × height. */
  atThatSize: number;
}

/** The largest working side for images above it, and why. */
export interface SideCap {
  side: number;
  reason: string;
}

export interface ImageShapeChoice {
  height: number;
  width: number;
  channels: 1 | 3;
  /** One sentence with the numbers, for the plan and the run. */
  reason: string;
  natural: NaturalImages;
}

/** Images larger than this are scaled down to it when nobody measured what fits (commands without a time budget). */
export const DEFAULT_MAX_SIDE = 64;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
}

/** The median size and the channels of a set of headers (non-empty). */
export function naturalImages(headers: ImageHeader[]): NaturalImages {
  const width = median(headers.map((h) => h.width));
  const height = median(headers.map((h) => h.height));
  return {
    count: headers.length,
    width,
    height,
    channels: headers.every((h) => h.greyscale) ? 1 : 3,
    atThatSize: headers.filter((h) => h.width === width && h.height === height).length,
  };
}

/**
 * The working shape: `size` (a square side) when given; otherwise the median
 * size, scaled down (aspect kept) when its longer side exceeds `cap`, never
 * up. The channels are the images' own unless `channels` is given.
 */
export function chooseImageShape(natural: NaturalImages, o: { size?: number; channels?: 1 | 3; cap?: SideCap } = {}): ImageShapeChoice {
  const { width, height } = natural;
  const channels = o.channels ?? natural.channels;
  const colour = o.channels ? `${channels} channel(s) as asked` : channels === 1 ? '1 channel (every image is greyscale)' : '3 channels (colour images)';
  const own = `${width}×${height}${natural.atThatSize === natural.count ? ` (all ${natural.count} images)` : ` (the median; ${natural.atThatSize} of ${natural.count} images are exactly that size, the others are resized to it)`}`;
  if (o.size !== undefined) {
    return { height: o.size, width: o.size, channels, natural, reason: `images read at ${o.size}×${o.size} as --image-size asks (their own size is ${own}), ${colour}` };
  }
  const cap = o.cap ?? { side: DEFAULT_MAX_SIDE, reason: `the default cap for commands without a time budget` };
  const longer = Math.max(width, height);
  if (longer <= cap.side) {
    return { height, width, channels, natural, reason: `images read at their own size ${own}, ${colour}: small images are not upsampled` };
  }
  const scale = cap.side / longer;
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  return { height: h, width: w, channels, natural, reason: `images read at ${w}×${h}, ${colour}: their own size ${own} has a longer side above ${cap.side} (${cap.reason}), so they are scaled down with their aspect kept; --image-size overrides` };
}
