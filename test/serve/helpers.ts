// Shared by the serving tests: a small model trained through the CLI, once per
// test file, in a temporary project, and the data it was trained on.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Row } from '../../src/data/index.js';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const cli = join(root, 'dist', 'src', 'cli', 'main.js');
export const PENGUINS = join(root, 'data', 'penguins.json');
export const CARS = join(root, 'node_modules', 'vega-datasets', 'data', 'cars.json');

export function runCli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: root, timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Trains for a few epochs; returns the project folder and the model directory. */
export function trainModel(data: string, target: string): { project: string; model: string } {
  const project = join(mkdtempSync(join(tmpdir(), 'sixstep-serve-')), 'project');
  const r = runCli(['fit', '--data', data, '--target', target, '--epochs', '5', '--project', project, '--json']);
  if (r.status !== 0) throw new Error(`fit failed (${r.status}): ${r.stderr}`);
  return { project, model: JSON.parse(r.stdout).model };
}

export function readRows(file: string): Row[] {
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** Rows whose features are all present (complete cases), so every row gets a prediction. */
export function completeRows(file: string, target: string): Row[] {
  return readRows(file).filter((r) => Object.entries(r).every(([k, v]) => k === target || v !== null));
}

/** Largest absolute difference between two equal-length number lists. */
export function maxDiff(a: number[], b: number[]): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
