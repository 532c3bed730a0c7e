// The dashboard is read-only and never trains or serves: importing its server
// (and the records' read side it shows) loads neither sixstep's libtorch
// addon nor ONNX Runtime. Measured in a fresh process, by the native modules
// it opens (process.dlopen sees every .node file).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { root } from '../serve/helpers.js';

function nativeModulesOf(module: string): string[] {
  const script = `
    const loaded = [];
    const open = process.dlopen;
    process.dlopen = (m, file, ...rest) => (loaded.push(file), open(m, file, ...rest));
    await import(${JSON.stringify(pathToFileURL(join(root, 'dist', 'src', module)).href)});
    console.log(JSON.stringify(loaded));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', cwd: root });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as string[];
}

for (const module of ['ui/server.js', 'ui/index.js', 'serve/records_read.js']) {
  test(`importing ${module} loads no libtorch addon and no ONNX Runtime`, () => {
    const loaded = nativeModulesOf(module);
    assert.deepEqual(loaded.filter((f) => /sixstep\.node|onnxruntime|libtorch/.test(f)), [], loaded.join('\n'));
  });
}

test('the check sees the addon where it is loaded (the serve barrel)', () => {
  assert.ok(nativeModulesOf('serve/index.js').some((f) => /sixstep\.node/.test(f)));
});
