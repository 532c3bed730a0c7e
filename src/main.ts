// The main job `npm run setup` ends with: the playbook on the bundled
// penguins data, through the same command line a user would type.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const command = ['auto', '--data', join(root, 'data', 'penguins.json'), '--target', 'Species', '--budget', '3', '--project', join(root, 'sixstep-project'), ...args];
process.stdout.write(`$ sixstep ${command.join(' ')}\n`);
const r = spawnSync(process.execPath, [join(root, 'dist', 'src', 'cli', 'main.js'), ...command], { stdio: 'inherit' });
process.exitCode = r.status ?? 1;
