// Charts as files: Vega-Lite specifications rendered to SVG by Vega (no
// browser), and to PNG through sharp, for reports and terminals.
import { createRequire } from 'node:module';
import sharp from 'sharp';
import { writeAtomic } from '../files/index.js';

const require = createRequire(import.meta.url);
// CommonJS builds: the ESM entry points of vega 5 pull in browser-only modules.
const vega = require('vega') as typeof import('vega');
const vegaLite = require('vega-lite') as typeof import('vega-lite');

export type VegaLiteSpec = Record<string, unknown>;

/** Renders a Vega-Lite specification to an SVG string. */
export async function toSvg(spec: VegaLiteSpec): Promise<string> {
  const compiled = vegaLite.compile(spec as any).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Writes `<base>.svg` and `<base>.png`; returns both paths. */
export async function writeChart(spec: VegaLiteSpec, base: string, scale = 2): Promise<{ svg: string; png: string }> {
  const svg = await toSvg(spec);
  const svgPath = `${base}.svg`;
  const pngPath = `${base}.png`;
  writeAtomic(svgPath, svg);
  writeAtomic(pngPath, await sharp(Buffer.from(svg), { density: 72 * scale }).flatten({ background: '#ffffff' }).png().toBuffer());
  return { svg: svgPath, png: pngPath };
}
