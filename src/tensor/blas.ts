// Which BLAS libtorch actually runs its matrix products on, read from the
// libraries mapped into this process. Debian's libtorch takes whatever
// libblas.so.3 the loader finds: the OpenMP OpenBLAS is right; the pthread
// build fights libtorch's OpenMP pool (training up to 5x slower) and the
// reference BLAS is ~30x slower. Nothing here guesses from what is installed.
import { readFileSync } from 'node:fs';

export type BlasKind = 'openblas-openmp' | 'openblas-pthread' | 'openblas-serial' | 'openblas' | 'reference' | 'mkl' | 'unknown';

export interface BlasInfo {
  kind: BlasKind;
  /** Human name: "OpenMP OpenBLAS", "pthread OpenBLAS", "reference BLAS", "MKL" … */
  name: string;
  /** The mapped library files that decided it (empty when none was found). */
  files: string[];
  /** Why this BLAS is a problem for libtorch, or null when it is fine (or unknown). */
  warning: string | null;
}

const NAMES: Record<BlasKind, string> = {
  'openblas-openmp': 'OpenMP OpenBLAS',
  'openblas-pthread': 'pthread OpenBLAS',
  'openblas-serial': 'serial OpenBLAS',
  openblas: 'OpenBLAS (threading model unknown)',
  reference: 'reference BLAS',
  mkl: 'MKL',
  unknown: 'unknown (no BLAS library mapped; a statically linked one, e.g. the MKL inside pip wheels)',
};

const WARNINGS: Partial<Record<BlasKind, string>> = {
  'openblas-pthread':
    "libtorch runs on the pthread OpenBLAS, whose threads fight libtorch's OpenMP pool (training up to 5x slower): install libopenblas0-openmp, then npm run build:native",
  reference: 'libtorch runs on the reference BLAS (~30x slower on matrix products): install libopenblas0-openmp, then npm run build:native',
};

/** A mapped file's BLAS kind, or null when the file is no BLAS. */
function kindOfFile(path: string): BlasKind | null {
  const base = path.slice(path.lastIndexOf('/') + 1);
  if (/^libmkl_/.test(base)) return 'mkl';
  const blasLike = /^lib(open)?blas/.test(base) || /^liblapack/.test(base);
  if (!blasLike || path.includes('/atlas/')) return null;
  if (path.includes('/openblas-openmp/')) return 'openblas-openmp';
  if (path.includes('/openblas-pthread/')) return 'openblas-pthread';
  if (path.includes('/openblas-serial/')) return 'openblas-serial';
  if (/^libopenblas/.test(base)) return /^libopenblaso/.test(base) ? 'openblas-openmp' : 'openblas';
  // Debian's reference BLAS/LAPACK live in …/blas/ and …/lapack/ (alternatives).
  if (/\/(blas|lapack)\/lib(blas|lapack)\.so/.test(path)) return 'reference';
  if (/^libblas\.so/.test(base)) return 'reference';
  return null;
}

// When several are mapped (a BLAS and its LAPACK), the most specific one names it.
const RANK: BlasKind[] = ['mkl', 'openblas-openmp', 'openblas-pthread', 'openblas-serial', 'openblas', 'reference'];

/** Names the BLAS from the text of /proc/<pid>/maps (pure: tests give constructed maps). */
export function classifyBlas(maps: string): BlasInfo {
  const files = new Map<string, BlasKind>();
  for (const line of maps.split('\n')) {
    // address perms offset dev inode [path]
    const path = line.trim().split(/\s+/).slice(5).join(' ');
    if (!path.startsWith('/')) continue;
    const kind = kindOfFile(path);
    if (kind) files.set(path, kind);
  }
  const kinds = new Set(files.values());
  const kind = RANK.find((k) => kinds.has(k)) ?? 'unknown';
  return { kind, name: NAMES[kind], files: [...files.keys()].filter((f) => files.get(f) === kind).sort(), warning: WARNINGS[kind] ?? null };
}

/** The BLAS mapped into this process (load the engine first: importing the tensor module does). */
export function blasInfo(mapsFile = '/proc/self/maps'): BlasInfo {
  let maps = '';
  try {
    maps = readFileSync(mapsFile, 'utf8');
  } catch {
    return { kind: 'unknown', name: `unknown (${mapsFile} is not readable on this system)`, files: [], warning: null };
  }
  return classifyBlas(maps);
}
