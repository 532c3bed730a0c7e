// What compiling the addon (and better-sqlite3, when no prebuilt binary is
// reachable) needs besides libtorch: a C++ compiler, make and Python 3 (for
// node-gyp). Installs them from Debian when we are root there; otherwise says
// exactly what to install.
import { spawnSync } from 'node:child_process';
import { aptInstall, canApt } from './debian.mjs';

const TOOLS = [
  { name: 'a C++ compiler', command: process.env.CXX || 'g++', debian: 'g++' },
  { name: 'make', command: 'make', debian: 'make' },
  { name: 'Python 3 (node-gyp runs on it)', command: 'python3', debian: 'python3' },
];

function runs(command) {
  const r = spawnSync(command, ['--version'], { stdio: 'ignore' });
  return r.status === 0;
}

/** The tools that are missing (empty when all are there). */
export function missingTools() {
  return TOOLS.filter((t) => !runs(t.command));
}

export function toolchainHelp(missing) {
  return [
    `sixstep compiles its native addon at install and needs ${missing.map((t) => `${t.name} (\`${t.command}\`)`).join(', ')}, which ${missing.length === 1 ? 'is' : 'are'} missing.`,
    `  - Debian/Ubuntu: sudo apt-get install ${missing.map((t) => t.debian).join(' ')}`,
    '  - elsewhere: your system\'s C++ compiler, make and python3',
    'then run the install again.',
  ].join('\n');
}

/** Ensures the toolchain, installing it with apt-get when allowed; returns null, or the help text when something is still missing. */
export function ensureToolchain(log) {
  let missing = missingTools();
  if (missing.length && canApt()) {
    log(`installing ${missing.map((t) => t.debian).join(' ')} with apt-get (root on Debian/Ubuntu)`);
    aptInstall(missing.map((t) => t.debian));
    missing = missingTools();
  }
  return missing.length ? toolchainHelp(missing) : null;
}
