// What sixstep takes from Debian's packages when we are root on Debian/Ubuntu:
// an optimized BLAS for the system libtorch, the datasets too large to bundle,
// and Chromium for the dashboard's browser test. Nothing here downloads from
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
 * OpenBLAS that is the reference BLAS, about 30x slower on an MLP.
 */
export function ensureBlas(libtorch) {
  if (!libtorch.libs.some((f) => f.startsWith('/usr/lib/'))) return; // pip wheels bring MKL or OpenBLAS
  const multi = readdirSync('/usr/lib').find((d) => d.endsWith('-linux-gnu')) ?? 'x86_64-linux-gnu';
  const have = ['openblas-openmp', 'openblas-pthread', 'openblas-serial', 'blis-openmp', 'blis-pthread'].some((v) => existsSync(`/usr/lib/${multi}/${v}/libblas.so.3`));
  if (have) return;
  if (canApt()) {
    log('installing OpenBLAS (libopenblas0-openmp) for the system libtorch');
    if (aptInstall(['libopenblas0-openmp'])) return;
  }
  log('warning: libtorch is using the reference BLAS, which is slow; install libopenblas0-openmp');
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
