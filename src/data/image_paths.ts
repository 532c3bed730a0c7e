// Which image files a --data argument means: one file, every image under a
// folder (recursively, sorted), or a glob ("photos/*.jpg", "shots/**/*.png").
import { promises as fs, existsSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { DataError } from './errors.js';

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.webp', '.gif', '.tif', '.tiff'];

const isImageName = (f: string) => IMAGE_EXTENSIONS.some((e) => f.toLowerCase().endsWith(e));

/** A glob as a regular expression over '/'-separated relative paths: * within a name, ** across folders, ? one character. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      re += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** The image files `spec` names, sorted; DataError when there are none. */
export async function resolveImagePaths(spec: string): Promise<string[]> {
  if (!/[*?]/.test(spec)) {
    if (!existsSync(spec)) throw new DataError(spec, 0, 'an image file, a folder of images or a glob', 'nothing at that path');
    if (statSync(spec).isFile()) return [spec];
    const files = (await walk(spec)).filter(isImageName).sort();
    if (!files.length) throw new DataError(spec, 0, `image files (${IMAGE_EXTENSIONS.join(' ')})`, 'a folder without any');
    return files;
  }
  // The fixed folders before the first wildcard are walked; the rest is matched.
  const parts = spec.split(/[\\/]/);
  const first = parts.findIndex((p) => /[*?]/.test(p));
  const base = parts.slice(0, first).join('/') || '.';
  if (!existsSync(base) || !statSync(base).isDirectory()) throw new DataError(spec, 0, 'a glob under an existing folder', `no folder ${base}`);
  const re = globToRegExp(parts.slice(first).join('/'));
  const files = (await walk(base)).filter((f) => re.test(relative(base, f).split(sep).join('/'))).sort();
  if (!files.length) throw new DataError(spec, 0, 'files matching the glob', 'none');
  return files;
}
