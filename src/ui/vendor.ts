// The browser builds of Vega, Vega-Lite and vega-embed, served from
// node_modules by the dashboard itself: the page loads nothing from the
// internet, so it works offline and leaks nothing about the project.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** URL path under /vendor/ → [package, file in the package's build folder]. A Map: "constructor" or "__proto__" is no bundle. */
const BUNDLES = new Map<string, [string, string]>([
  ['vega.min.js', ['vega', 'vega.min.js']],
  ['vega-lite.min.js', ['vega-lite', 'vega-lite.min.js']],
  ['vega-embed.min.js', ['vega-embed', 'vega-embed.min.js']],
]);

export const VENDOR_SCRIPTS = [...BUNDLES.keys()].map((f) => `/vendor/${f}`);

/** The file behind /vendor/<name>, or undefined for any other name. */
export function vendorFile(name: string): string | undefined {
  const b = BUNDLES.get(name);
  if (!b) return undefined;
  // Each package's main entry lives in its build/ folder, next to the browser bundle.
  const file = join(dirname(require.resolve(b[0])), b[1]);
  if (!existsSync(file)) throw new Error(`the browser build of ${b[0]} is missing (${file}); reinstall the npm packages (npm ci)`);
  return file;
}
