// The PostgreSQL server the shared-study tests run against: SIXSTEP_TEST_PG,
// or the one `npm run setup` provides as root on Debian (scripts/debian.mjs).
// Unreachable, it is started here when we can; still unreachable, the tests
// fail where PostgreSQL must be there (CI, root on Debian) and skip elsewhere.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const DEFAULT_TEST_PG = 'postgres://sixstep:sixstep@127.0.0.1:5432/sixstep_test';

export interface TestPg {
  /** The server's URL when it answers. */
  url?: string;
  /** Why the tests skip (no server, and none is required here). */
  skip?: string;
  /** Why the tests fail (no server, and one is required here). */
  error?: string;
}

/** null when the server answers, else why not. */
async function unreachable(url: string): Promise<string | null> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  c.on('error', () => {});
  try {
    await c.connect();
    await c.query('SELECT 1');
    return null;
  } catch (e) {
    return (e as Error).message || String(e);
  } finally {
    await c.end().catch(() => {});
  }
}

let found: Promise<TestPg> | undefined;

export function testPg(): Promise<TestPg> {
  found ??= (async () => {
    const url = process.env.SIXSTEP_TEST_PG || DEFAULT_TEST_PG;
    const rootOnDebian = process.getuid?.() === 0 && existsSync('/etc/debian_version');
    let why = await unreachable(url);
    if (why && rootOnDebian && !process.env.SIXSTEP_TEST_PG) {
      const { ensurePostgres } = await import(pathToFileURL(join(root, 'scripts', 'debian.mjs')).href);
      ensurePostgres();
      why = await unreachable(url);
    }
    if (!why) return { url };
    const message = `PostgreSQL at ${url.replace(/:[^:@/]*@/, ':***@')} is unreachable (${why}). Run \`npm run setup\` as root on Debian, or point SIXSTEP_TEST_PG at a server.`;
    return process.env.CI || rootOnDebian ? { error: message } : { skip: message };
  })();
  return found;
}

let count = 0;
/** A name no earlier run of the tests used: for schemas and studies. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${count++}`;
}

/** `url` with its own schema (PostgresStudyStore reads ?schema=). */
export function withSchema(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('schema', schema);
  return u.toString();
}

/** Drops schemas the tests made. */
export async function dropSchemas(url: string, schemas: readonly string[]): Promise<void> {
  if (!schemas.length) return;
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    for (const s of schemas) await c.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(s)} CASCADE`);
  } finally {
    await c.end();
  }
}
