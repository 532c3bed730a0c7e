// Finding libtorch (LIBTORCH, then a Python torch, then the system) and
// refusing an addon built against a libtorch that has since changed.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { checkBuildStamp } from '../../src/tensor/native.js';
import { NativeBuildError } from '../../src/tensor/errors.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const finder = async () => (await import(pathToFileURL(join(root, 'scripts', 'libtorch.mjs')).href)) as {
  findLibtorch(env: Record<string, string | undefined>): { source: string; libs: string[]; includeDirs: string[]; version: { major: number } } | null;
};

describe('finding libtorch', () => {
  it('LIBTORCH wins, and a folder without headers and libraries is refused by name', async () => {
    const { findLibtorch } = await finder();
    const found = findLibtorch({});
    assert.ok(found, 'this machine has a libtorch');
    const dir = mkdtempSync(join(tmpdir(), 'sixstep-lt-'));
    assert.throws(() => findLibtorch({ LIBTORCH: dir }), /LIBTORCH=.*is not a libtorch folder.*include/);
    // A LIBTORCH-style folder (include/ and lib/) made of the found install.
    symlinkSync(found!.includeDirs[0], join(dir, 'include'));
    mkdirSync(join(dir, 'lib'));
    for (const f of found!.libs) symlinkSync(f, join(dir, 'lib', f.split('/').pop()!.replace(/\.so\..*$/, '.so')));
    const viaEnv = findLibtorch({ LIBTORCH: dir });
    assert.ok(viaEnv && viaEnv.source.startsWith('LIBTORCH='));
    assert.equal(viaEnv.version.major, found!.version.major);
  });
});

describe('the addon refuses a changed libtorch', () => {
  it('says "rebuild" when the libtorch it was built against is gone or replaced', () => {
    const stamp = JSON.parse(readFileSync(join(root, 'build', 'sixstep-build.json'), 'utf8'));
    const fake = mkdtempSync(join(tmpdir(), 'sixstep-stamp-'));
    mkdirSync(join(fake, 'build', 'Release'), { recursive: true });
    writeFileSync(join(fake, 'build', 'Release', 'sixstep.node'), '');
    checkBuildStamp(root); // the real build is current
    stamp.libtorch.fingerprint.file = '/usr/lib/libtorch_cpu.so.0.0.gone';
    writeFileSync(join(fake, 'build', 'sixstep-build.json'), JSON.stringify(stamp));
    assert.throws(() => checkBuildStamp(fake), (e: Error) => e instanceof NativeBuildError && /rebuild/.test(e.message) && /gone/.test(e.message));
    stamp.libtorch.fingerprint = { ...JSON.parse(readFileSync(join(root, 'build', 'sixstep-build.json'), 'utf8')).libtorch.fingerprint, size: 1 };
    writeFileSync(join(fake, 'build', 'sixstep-build.json'), JSON.stringify(stamp));
    assert.throws(() => checkBuildStamp(fake), (e: Error) => e instanceof NativeBuildError && /replaced/.test(e.message) && /npm run build:native/.test(e.message));
  });
  it('says how to build when the addon is missing', () => {
    const fake = mkdtempSync(join(tmpdir(), 'sixstep-stamp-'));
    assert.throws(() => checkBuildStamp(fake), (e: Error) => e instanceof NativeBuildError && /not built/.test(e.message));
  });
});
