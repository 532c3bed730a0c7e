// Finds the libtorch that the native addon builds against, in the order the
// project promises: LIBTORCH (a folder), a Python torch install, the system
// install (Debian/Ubuntu `libtorch-dev`). Knows nothing about node-gyp.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';

const VERSION_H = 'torch/csrc/api/include/torch/version.h';

function libFile(libDir, name) {
  // pip ships unversioned names; Debian ships versioned sonames behind symlinks.
  const plain = join(libDir, `lib${name}.so`);
  if (existsSync(plain)) return plain;
  if (!existsSync(libDir)) return null;
  const versioned = readdirSync(libDir).filter((f) => f.startsWith(`lib${name}.so.`)).sort();
  return versioned.length ? join(libDir, versioned[0]) : null;
}

function readVersion(includeDir) {
  const text = readFileSync(join(includeDir, VERSION_H), 'utf8');
  const num = (k) => Number((text.match(new RegExp(`#define TORCH_VERSION_${k} (\\d+)`)) ?? [])[1]);
  return { major: num('MAJOR'), minor: num('MINOR'), patch: num('PATCH') };
}

function detectAbi(root, libDir) {
  const candidates = [
    join(root, 'share/cmake/Torch/TorchConfig.cmake'),
    join(libDir, 'cmake/Torch/TorchConfig.cmake'),
  ];
  for (const file of candidates) {
    if (!existsSync(file)) continue;
    const m = readFileSync(file, 'utf8').match(/_GLIBCXX_USE_CXX11_ABI=(\d)/);
    if (m) return Number(m[1]);
  }
  // No CMake config: the mangled names tell (std::__cxx11 only appears with ABI 1).
  try {
    const syms = execFileSync('nm', ['-D', '--defined-only', libFile(libDir, 'c10')], {
      encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'ignore'],
    });
    return syms.includes('__cxx11') ? 1 : 0;
  } catch {
    return 1;
  }
}

/** A candidate is accepted only when both the C++ headers and libtorch_cpu exist. */
function candidate(source, root, includeDir, libDir) {
  if (!existsSync(join(includeDir, VERSION_H))) return null;
  if (!existsSync(join(includeDir, 'ATen/core/dispatch/Dispatcher.h'))) return null;
  const cpu = libFile(libDir, 'torch_cpu');
  if (!cpu) return null;
  const c10 = libFile(libDir, 'c10');
  const torch = libFile(libDir, 'torch');
  if (!c10 || !torch) return null;
  const cuda = libFile(libDir, 'torch_cuda');
  const c10cuda = libFile(libDir, 'c10_cuda');
  const libs = [cpu, c10, torch];
  if (cuda) libs.push(cuda);
  if (cuda && c10cuda) libs.push(c10cuda);
  const real = realpathSync(cpu);
  const st = statSync(real);
  return {
    source,
    root,
    includeDirs: [includeDir, join(includeDir, 'torch/csrc/api/include')],
    libDir: realpathSync(libDir),
    // Real files, so the rpath and the fingerprint point at what is loaded.
    libs: libs.map((f) => realpathSync(f)),
    version: readVersion(includeDir),
    abi: detectAbi(root, libDir),
    cuda: Boolean(cuda),
    fingerprint: { file: real, size: st.size, mtimeMs: Math.round(st.mtimeMs) },
  };
}

function fromFolder(root, source) {
  return candidate(source, root, join(root, 'include'), join(root, 'lib'));
}

function fromPython() {
  const pythons = [...new Set(['python3', '/usr/bin/python3'])];
  // find_spec does not import torch (0.01 s instead of >1 s).
  const code = "import importlib.util as u; s=u.find_spec('torch'); print(s.submodule_search_locations[0] if s and s.submodule_search_locations else '')";
  for (const py of pythons) {
    let dir = '';
    try {
      dir = execFileSync(py, ['-c', code], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 20000 }).trim();
    } catch {
      continue;
    }
    if (!dir) continue;
    const found = fromFolder(dir, `python torch (${py}: ${dir})`);
    if (found) return found;
  }
  return null;
}

function multiarch() {
  try {
    return execFileSync('gcc', ['-print-multiarch'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'x86_64-linux-gnu';
  }
}

/** The system install (Debian/Ubuntu `libtorch-dev`) alone, or null: the route a fresh machine takes. */
export function fromSystem() {
  const dirs = [`/usr/lib/${multiarch()}`, '/usr/lib', '/usr/local/lib'];
  for (const libDir of dirs) {
    const found = candidate('system (libtorch-dev)', dirname(libDir), '/usr/include', libDir);
    if (found) return found;
  }
  return null;
}

/** Returns the libtorch to build against, or null. */
export function findLibtorch(env = process.env) {
  if (env.LIBTORCH) {
    const found = fromFolder(env.LIBTORCH, `LIBTORCH=${env.LIBTORCH}`);
    if (!found) {
      throw new Error(
        `LIBTORCH=${env.LIBTORCH} is not a libtorch folder: expected ${join(env.LIBTORCH, 'include', VERSION_H)} ` +
          `and ${join(env.LIBTORCH, 'lib', 'libtorch_cpu.so')}. Point LIBTORCH at the unpacked libtorch (the folder holding include/ and lib/), or unset it.`,
      );
    }
    return found;
  }
  return fromPython() ?? fromSystem();
}

export const INSTALL_HELP = [
  'sixstep needs libtorch (PyTorch\'s C++ library) and found none.',
  'Install one of:',
  '  - Debian 12+/Ubuntu: sudo apt-get install libtorch-dev',
  '  - any Linux with Python: pip install torch   (sixstep finds it without importing it)',
  '  - an unpacked libtorch folder: export LIBTORCH=/path/to/libtorch   (the folder with include/ and lib/)',
  'then run the command again.',
].join('\n');

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(findLibtorch(), null, 2));
}
