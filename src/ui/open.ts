// Read-only views open a project that must already exist: opening a mistyped
// folder would otherwise create an empty project and silently show nothing.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DB_FILE, openStore, type Store } from '../store/index.js';

export function openExistingStore(dir: string): { store: Store; projectDir: string } {
  const projectDir = resolve(dir);
  if (!existsSync(join(projectDir, DB_FILE))) {
    throw new Error(`no sixstep project at ${projectDir} (no ${DB_FILE} there); pass --project with the folder that sixstep fit, auto, lr-find or tune wrote to`);
  }
  return { store: openStore(projectDir), projectDir };
}
