// Projects. A project directory has one database, so normally one row: the
// table exists so the database names the project it belongs to, even when the
// directory is moved or copied.
import type { Db } from './db.js';

export interface Project {
  name: string;
  /** ms since epoch */
  createdAt: number;
}

interface ProjectRow {
  name: string;
  created_at: number;
}

const toProject = (r: ProjectRow): Project => ({ name: r.name, createdAt: r.created_at });

export function getProject(db: Db, name: string): Project | undefined {
  const r = db.stmt('SELECT * FROM projects WHERE name = ?').get(name) as ProjectRow | undefined;
  return r && toProject(r);
}

/** The project named `name`, created if missing; an existing row keeps its createdAt. */
export function ensureProject(db: Db, name: string, createdAt = Date.now()): Project {
  // Read first: opening a store should not take the write lock when nothing changes.
  return (
    getProject(db, name) ??
    db.write(() => {
      db.stmt('INSERT OR IGNORE INTO projects (name, created_at) VALUES (?, ?)').run(name, createdAt);
      return getProject(db, name)!;
    })
  );
}

export function listProjects(db: Db): Project[] {
  return (db.stmt('SELECT * FROM projects ORDER BY created_at, name').all() as ProjectRow[]).map(toProject);
}
