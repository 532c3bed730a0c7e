// One command from a fresh clone to a trained model: installs what is
// missing (npm packages from the lock file, libtorch and the Fashion-MNIST
// files from Debian when we are root there), builds the addon and the
// TypeScript, then runs the main job. Idempotent and quick when all is there.
//   node scripts/setup.mjs            set up, link the `sixstep` command, then run the main job
//   node scripts/setup.mjs --no-main  set up only (npm test and npm run bench use this)
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));

function log(msg) {
  process.stderr.write(`[sixstep setup] ${msg}\n`);
}

function run(cmd, cmdArgs, opts = {}) {
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit', ...opts });
  if (r.status !== 0) {
    log(`\`${cmd} ${cmdArgs.join(' ')}\` failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status ?? 1);
  }
}

const [major] = process.versions.node.split('.').map(Number);
if (major < 20) {
  log(`Node.js ${process.versions.node} is too old: sixstep needs Node.js 20 or newer`);
  process.exit(1);
}

// 1. npm packages, exactly as locked. `npm ci` also builds the addon (the install script).
const lock = join(root, 'package-lock.json');
const installed = join(root, 'node_modules', '.package-lock.json');
if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(lock).mtimeMs) {
  log('installing npm packages from package-lock.json');
  // onnxruntime-node's postinstall would fetch GPU binaries from outside the registry; its bundled CPU
  // binary is all sixstep uses (.npmrc says the same for a plain `npm ci`).
  run('npm', ['ci', '--no-audit', '--no-fund'], { env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' } });
}

// 2. The addon (finds libtorch, installs libtorch-dev when allowed; no-op when up to date).
const { buildNative } = await import('./build-native.mjs');
buildNative({ force: false });

// 3. From Debian (the OpenMP OpenBLAS came with the addon's build): the large datasets,
//    Chromium for the dashboard's browser test, and a running PostgreSQL for
//    the shared-study tests.
const { ensureDatasets, ensureChromium, ensurePostgres } = await import('./debian.mjs');
ensureDatasets();
ensureChromium();
ensurePostgres();

// 4. TypeScript, from scratch so no output of a deleted source survives, swapped in whole
//    (a linked `sixstep` in another shell keeps running from the old dist meanwhile).
const { compileFresh } = await import('./build.mjs');
compileFresh();
log('ready');
if (args.has('--no-main')) process.exit(0); // npm test and npm run bench: no global link, no main job

// 5. The `sixstep` command on PATH (npm's global bin, when writable), else `npx sixstep` in this folder.
const { linkCommand } = await import('./link_command.mjs');
const link = linkCommand(root);
const howToRun = link.linked
  ? `the sixstep command is on PATH (${link.path} -> dist/src/cli/main.js${link.replaced ? `, was ${link.replaced}` : ''}): run \`sixstep <command>\`, e.g. \`sixstep --help\`, in any shell`
  : `the sixstep command is not on PATH (${link.reason}): run \`npx sixstep <command>\` in ${root}, e.g. \`npx sixstep --help\``;

// 6. The main job, then how to run the command (last, so it is seen).
run(process.execPath, [join(root, 'dist', 'src', 'main.js'), ...process.argv.slice(2)]);
log(howToRun);
