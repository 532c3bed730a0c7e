// Builds the native addon against the libtorch that scripts/libtorch.mjs
// finds, installing Debian's libtorch-dev first when nothing is found and we
// may (root on Debian/Ubuntu). Skips the build when nothing changed.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findLibtorch, INSTALL_HELP } from './libtorch.mjs';
import { aptInstall, canApt, ensureBlas } from './debian.mjs';
import { extraIncludeDirs } from './include_dirs.mjs';
import { ensureToolchain } from './toolchain.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const force = process.argv.includes('--force');
const stampFile = join(root, 'build', 'sixstep-build.json');
const addonFile = join(root, 'build', 'Release', 'sixstep.node');

function log(msg) {
  process.stderr.write(`[sixstep build] ${msg}\n`);
}

function locate() {
  let lt = findLibtorch();
  if (lt) return lt;
  if (canApt()) {
    log('no libtorch found: installing libtorch-dev and OpenBLAS with apt-get (root on Debian/Ubuntu)');
    if (!aptInstall(['libtorch-dev', 'libopenblas0-openmp'])) throw new Error('apt-get install libtorch-dev failed');
    lt = findLibtorch();
    if (lt) return lt;
  } else {
    log('no libtorch found (looked at LIBTORCH, python3\'s torch and the system libraries), and it is installed automatically only as root on Debian/Ubuntu');
  }
  process.stderr.write(`\n${INSTALL_HELP}\n\n`);
  process.exit(1);
}

// Gloo's headers (for c10d's ProcessGroupGloo) ship apart from libtorch-dev on
// Debian (libgloo-dev, matching the libgloo0 libtorch links); pip wheels may
// carry them in torch/include. Without them the addon builds without
// distributed training and says what to install.
function glooInclude(lt) {
  for (const d of [...lt.includeDirs, '/usr/include', '/usr/local/include']) {
    if (existsSync(join(d, 'gloo', 'config.h'))) return d;
  }
  return null;
}

function locateGloo(lt) {
  let dir = glooInclude(lt);
  // Only for Debian's own libtorch: its libgloo0 is what libgloo-dev matches.
  const debianTorch = lt.libs.some((f) => f.startsWith('/usr/lib/'));
  if (!dir && debianTorch && canApt()) {
    log('installing libgloo-dev (Gloo headers for distributed training) with apt-get');
    if (aptInstall(['libgloo-dev'])) dir = glooInclude(lt);
  }
  if (!dir) log('Gloo headers not found: building without distributed training (Debian/Ubuntu: apt-get install libgloo-dev, then npm run build:native)');
  return dir;
}

function sourceHash() {
  const h = createHash('sha256');
  const files = ['binding.gyp', 'scripts/build-native.mjs', ...readdirSync(join(root, 'native')).filter((f) => /\.(cc|h)$/.test(f)).map((f) => `native/${f}`)];
  for (const f of files.sort()) h.update(f).update(readFileSync(join(root, f)));
  return h.digest('hex');
}

// libtorch (OpenMP) must run on the OpenMP OpenBLAS: with the pthread build,
// which Debian's alternatives may pick, the two thread pools fight and
// training runs 5x slower. Debian's libtorch_cpu has no RUNPATH, so a DT_RPATH
// on the addon (inherited by the libraries it loads) decides which
// libblas.so.3 / liblapack.so.3 the loader takes.
export function openmpBlasDir(lt) {
  if (!lt.libs.some((f) => f.startsWith('/usr/lib/'))) return null; // pip wheels bring their own BLAS
  for (const lib of new Set(lt.libs.map((f) => dirname(f)))) {
    const dir = join(lib, 'openblas-openmp');
    if (existsSync(join(dir, 'libblas.so.3'))) return dir;
  }
  return null;
}

function gypi(lt, gloo) {
  const blas = openmpBlasDir(lt);
  const rpaths = [...new Set([...(blas ? [blas] : []), ...lt.libs.map((f) => dirname(f))])];
  const version = `${lt.version.major}.${lt.version.minor}.${lt.version.patch}`;
  const defines = [
    `SIXSTEP_TORCH_MAJOR=${lt.version.major}`,
    `SIXSTEP_TORCH_MINOR=${lt.version.minor}`,
    `SIXSTEP_TORCH_VERSION="${version}"`,
  ];
  if (lt.cuda) defines.push('SIXSTEP_CUDA=1');
  if (gloo) defines.push('SIXSTEP_GLOO=1', 'USE_DISTRIBUTED', 'USE_C10D_GLOO');
  const config = {
    target_defaults: {
      // node-gyp injects ABI 1; a libtorch built with the old ABI needs 0.
      'defines!': lt.abi === 0 ? ['_GLIBCXX_USE_CXX11_ABI=1'] : [],
      defines: [...defines, ...(lt.abi === 0 ? ['_GLIBCXX_USE_CXX11_ABI=0'] : [])],
      // -isystem: libtorch's own warnings are not ours to fix. Never a folder
      // the compiler searches already (see include_dirs.mjs).
      cflags_cc: extraIncludeDirs([...lt.includeDirs, ...(gloo ? [gloo] : [])]).flatMap((d) => ['-isystem', d]),
      // --no-as-needed keeps libtorch_cuda, which nothing references by symbol.
      libraries: ['-Wl,--no-as-needed', ...lt.libs, '-Wl,--as-needed'],
      // DT_RPATH, not RUNPATH: only the former reaches libtorch's own dependencies.
      ldflags: ['-Wl,--disable-new-dtags', ...rpaths.map((d) => `-Wl,-rpath,${d}`)],
    },
  };
  return `# Generated by scripts/build-native.mjs for ${lt.source}; do not edit.\n${JSON.stringify(config, null, 2)}\n`;
}

function nodeGyp() {
  const local = join(root, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  if (existsSync(local)) return [process.execPath, local];
  const bundled = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  if (existsSync(bundled)) return [process.execPath, bundled];
  throw new Error('node-gyp not found: run npm ci first');
}

function nodedirArgs() {
  // Build against this Node's own headers: never download them.
  const prefix = join(dirname(process.execPath), '..');
  if (process.env.npm_config_nodedir) return [`--nodedir=${process.env.npm_config_nodedir}`];
  if (existsSync(join(prefix, 'include', 'node', 'node_api.h'))) return [`--nodedir=${prefix}`];
  return [];
}

export { gypi };

export function buildNative({ force: forced = force } = {}) {
  const lt = locate();
  ensureBlas(lt); // before the build: the addon's rpath names the OpenMP OpenBLAS when it is there
  const gloo = locateGloo(lt);
  const stamp = { libtorch: lt, gloo, blas: openmpBlasDir(lt), sources: sourceHash(), node: process.versions.modules };
  if (!forced && existsSync(addonFile) && existsSync(stampFile)) {
    try {
      const old = JSON.parse(readFileSync(stampFile, 'utf8'));
      if (JSON.stringify(old) === JSON.stringify(stamp)) {
        log(`up to date (libtorch ${lt.version.major}.${lt.version.minor}.${lt.version.patch} from ${lt.source})`);
        return stamp;
      }
    } catch {
      /* rebuild */
    }
  }
  const toolchain = ensureToolchain(log);
  if (toolchain) {
    process.stderr.write(`\n${toolchain}\n\n`);
    process.exit(1);
  }
  log(`building the native addon against libtorch ${lt.version.major}.${lt.version.minor}.${lt.version.patch} from ${lt.source}` +
    `${lt.cuda ? ' (CUDA)' : ''}, C++ ABI ${lt.abi}: ${process.env.SIXSTEP_BUILD_JOBS ?? '2'} compile jobs, about 3 minutes on 2 cores`);
  mkdirSync(join(root, 'native', 'generated'), { recursive: true });
  writeFileSync(join(root, 'native', 'generated', 'libtorch.gypi'), gypi(lt, gloo));
  const [node, gyp] = nodeGyp();
  const jobs = process.env.SIXSTEP_BUILD_JOBS ?? '2';
  const r = spawnSync(node, [gyp, 'rebuild', '-j', jobs, '--loglevel=warn', ...nodedirArgs()], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) {
    log('the native build failed (see the compiler output above)');
    process.exit(r.status ?? 1);
  }
  writeFileSync(stampFile, `${JSON.stringify(stamp, null, 2)}\n`);
  log('built build/Release/sixstep.node');
  return stamp;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    buildNative();
  } catch (e) {
    log(e instanceof Error ? e.message : String(e));
    process.exit(1);
  }
}
