// Running the compiled command line from tests: `sixstep` is the real
// binary; `quick` runs the same commands through test/ui/driver.ts, which
// skips loading libtorch, for the many calls that test the commands themselves.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const root = join(here, '..', '..', '..');
export const cli = join(root, 'dist', 'src', 'cli', 'main.js');
const driver = join(here, 'driver.js');

function run(entry: string, args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [entry, ...args], { cwd, encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, json: () => JSON.parse(r.stdout) };
}

export const sixstep = (args: string[], cwd = root) => run(cli, args, cwd);
export const quick = (args: string[], cwd = root) => run(driver, args, cwd);
