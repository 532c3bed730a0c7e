// What sixstep takes from Debian's packages when we are root on Debian/Ubuntu:
// an optimized BLAS for the system libtorch, the datasets too large to bundle,
// Chromium for the dashboard's browser test and PostgreSQL for the tests of
// search studies shared across machines. Nothing here downloads from
// anywhere else.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

function log(msg) {
  process.stderr.write(`[sixstep setup] ${msg}\n`);
}

export function canApt() {
  return process.getuid?.() === 0 && existsSync('/etc/debian_version') && existsSync('/usr/bin/apt-get');
}

let updated = false;
export function aptInstall(pkgs) {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...pkgs], { stdio: 'inherit', env }).status === 0;
  if (!updated && install()) return true;
  if (!updated) {
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    updated = true;
  }
  return install();
}

/**
 * Debian's libtorch does its matrix products through libblas.so.3; without
 * OpenBLAS that is the reference BLAS, about 30x slower on an MLP. It must be
 * the OpenMP build: libtorch runs OpenMP, and the pthread build (which
 * Debian's alternatives prefer once installed) fights its thread pool. The
 * addon is linked to take the OpenMP build whatever the alternatives say
 * (build-native.mjs), so installing it is enough. Returns true when the
 * OpenMP build is there.
 */
export function ensureBlas(libtorch) {
  if (!libtorch.libs.some((f) => f.startsWith('/usr/lib/'))) return true; // pip wheels bring MKL or OpenBLAS
  const multi = readdirSync('/usr/lib').find((d) => d.endsWith('-linux-gnu')) ?? 'x86_64-linux-gnu';
  if (existsSync(`/usr/lib/${multi}/openblas-openmp/libblas.so.3`)) return true;
  if (canApt()) {
    log('installing the OpenMP OpenBLAS (libopenblas0-openmp) for the system libtorch');
    if (aptInstall(['libopenblas0-openmp'])) return true;
  }
  log('warning: the OpenMP OpenBLAS is missing, so libtorch runs on a slower BLAS (the reference BLAS, ~30x slower, or the pthread OpenBLAS, whose threads fight libtorch\'s OpenMP pool); install libopenblas0-openmp, then npm run build:native');
  return false;
}

export function ensureDatasets() {
  if (existsSync(`${FASHION_MNIST_DIR}/train-images-idx3-ubyte.gz`)) return;
  if (canApt()) {
    log('installing Fashion-MNIST (Debian package dataset-fashion-mnist)');
    if (aptInstall(['dataset-fashion-mnist'])) return;
  }
  log(`Fashion-MNIST is not installed (${FASHION_MNIST_DIR}); tests that need it say so. Install: sudo apt-get install dataset-fashion-mnist`);
}

/** Chromium for the dashboard's browser test (driven by playwright-core, which downloads no browser). */
export function ensureChromium() {
  if (existsSync('/usr/bin/chromium')) return;
  if (canApt()) {
    log('installing Chromium (Debian package chromium) for the dashboard browser test');
    if (aptInstall(['chromium'])) return;
  }
  log('Chromium is not installed (/usr/bin/chromium); the dashboard browser test says so and skips. Install: sudo apt-get install chromium');
}

/** Where the PostgreSQL tests connect unless SIXSTEP_TEST_PG says otherwise. */
export const TEST_PG = { role: 'sixstep', password: 'sixstep', database: 'sixstep_test', url: 'postgres://sixstep:sixstep@127.0.0.1:5432/sixstep_test' };

/** Runs SQL as the postgres superuser; returns its output, or null if psql failed. */
function psql(sql) {
  const r = spawnSync('runuser', ['-u', 'postgres', '--', 'psql', '-X', '-q', '-t', '-A', '-v', 'ON_ERROR_STOP=1', '-c', sql], { cwd: '/', encoding: 'utf8' });
  if (r.status !== 0) {
    log(`psql failed: ${(r.stderr || r.error?.message || '').trim()}`);
    return null;
  }
  return r.stdout.trim();
}

/**
 * A running PostgreSQL with the role and database the tests of shared search
 * studies use (TEST_PG). Installs Debian's `postgresql` if missing, starts its
 * cluster if down, creates the role and database if absent. Never throws:
 * returns true when the server is set up, otherwise logs why and returns false.
 */
export function ensurePostgres() {
  if (!canApt()) {
    log(`PostgreSQL setup skipped (needs root on Debian); the PostgreSQL tests use SIXSTEP_TEST_PG or ${TEST_PG.url}`);
    return false;
  }
  try {
    if (!existsSync('/usr/bin/pg_lsclusters')) {
      log('installing PostgreSQL (Debian package postgresql) for the shared-study tests');
      if (!aptInstall(['postgresql'])) {
        log('could not install postgresql; the PostgreSQL tests will say so');
        return false;
      }
    }
    // "15 main 5432 down postgres /var/lib/postgresql/15/main /var/log/…"
    const list = () => spawnSync('pg_lsclusters', ['--no-header'], { encoding: 'utf8' }).stdout?.trim().split('\n').filter(Boolean).map((l) => l.split(/\s+/)) ?? [];
    let clusters = list();
    if (!clusters.length) {
      const versions = readdirSync('/usr/lib/postgresql').filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
      if (!versions.length) {
        log('PostgreSQL is installed but no server version was found under /usr/lib/postgresql');
        return false;
      }
      log(`creating PostgreSQL cluster ${versions[0]}/main`);
      spawnSync('pg_createcluster', [versions[0], 'main'], { stdio: 'inherit' });
      clusters = list();
    }
    const [version, name, , status] = clusters[0] ?? [];
    if (!version) {
      log('no PostgreSQL cluster; the PostgreSQL tests will say so');
      return false;
    }
    if (status !== 'online') {
      log(`starting PostgreSQL cluster ${version}/${name}`);
      const r = spawnSync('pg_ctlcluster', [version, name, 'start'], { stdio: 'inherit' });
      if (r.status !== 0) {
        log(`pg_ctlcluster ${version} ${name} start failed (exit ${r.status ?? r.signal})`);
        return false;
      }
    }
    const { role, password, database } = TEST_PG;
    const haveRole = psql(`SELECT 1 FROM pg_roles WHERE rolname = '${role}'`);
    if (haveRole === null) return false;
    if (!haveRole) {
      log(`creating PostgreSQL role ${role}`);
      if (psql(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`) === null) return false;
    }
    const haveDb = psql(`SELECT 1 FROM pg_database WHERE datname = '${database}'`);
    if (haveDb === null) return false;
    if (!haveDb) {
      log(`creating PostgreSQL database ${database}`);
      if (psql(`CREATE DATABASE ${database} OWNER ${role}`) === null) return false;
    }
    return true;
  } catch (e) {
    log(`PostgreSQL setup failed: ${e?.message ?? e}; the PostgreSQL tests will say so`);
    return false;
  }
}
