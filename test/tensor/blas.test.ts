// Naming the BLAS libtorch runs on from the process's mapped libraries, and
// `sixstep doctor` saying it (with a warning for the slow ones).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { classifyBlas, blasInfo, engineReport, describeEngine, getNumThreads } from '../../src/tensor/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const line = (path: string) => `7f0000000000-7f0000001000 r-xp 00000000 08:01 1234   ${path}`;
const maps = (...paths: string[]) => ['7ffd0000-7ffd1000 rw-p 00000000 00:00 0   [stack]', line('/usr/lib/x86_64-linux-gnu/libc.so.6'), ...paths.map(line)].join('\n');
const D = '/usr/lib/x86_64-linux-gnu';

describe('which BLAS is mapped', () => {
  it('names the OpenMP OpenBLAS (Debian alternatives folder) and does not warn', () => {
    const b = classifyBlas(maps(`${D}/openblas-openmp/libopenblasp-r0.3.21.so`, `${D}/openblas-openmp/libblas.so.3`, `${D}/openblas-openmp/liblapack.so.3`, `${D}/libgomp.so.1.0.0`));
    assert.equal(b.kind, 'openblas-openmp');
    assert.equal(b.name, 'OpenMP OpenBLAS');
    assert.equal(b.warning, null);
    assert.deepEqual(b.files, [`${D}/openblas-openmp/libblas.so.3`, `${D}/openblas-openmp/liblapack.so.3`, `${D}/openblas-openmp/libopenblasp-r0.3.21.so`]);
  });
  it('warns for the pthread OpenBLAS and says what to install', () => {
    const b = classifyBlas(maps(`${D}/openblas-pthread/libblas.so.3`, `${D}/openblas-pthread/libopenblasp-r0.3.21.so`));
    assert.equal(b.kind, 'openblas-pthread');
    assert.match(b.warning!, /pthread OpenBLAS.*libopenblas0-openmp/);
  });
  it('warns for the reference BLAS', () => {
    const b = classifyBlas(maps(`${D}/blas/libblas.so.3.11.0`, `${D}/lapack/liblapack.so.3.11.0`));
    assert.equal(b.kind, 'reference');
    assert.match(b.warning!, /reference BLAS.*30x/);
  });
  it('names MKL, and says unknown when no BLAS is mapped', () => {
    assert.equal(classifyBlas(maps('/opt/intel/lib/libmkl_core.so.2', '/opt/intel/lib/libmkl_gnu_thread.so.2')).kind, 'mkl');
    const none = classifyBlas(maps('/usr/lib/python3/dist-packages/torch/lib/libtorch_cpu.so'));
    assert.equal(none.kind, 'unknown');
    assert.equal(none.warning, null);
    assert.deepEqual(none.files, []);
  });
  it('the OpenMP build wins over a LAPACK mapped from elsewhere', () => {
    assert.equal(classifyBlas(maps(`${D}/lapack/liblapack.so.3`, `${D}/openblas-openmp/libblas.so.3`)).kind, 'openblas-openmp');
  });
  it('this process: libtorch is loaded, its BLAS is named, the threads are libtorch\'s', () => {
    const r = engineReport();
    assert.equal(r.threads, getNumThreads());
    assert.equal(r.blasKind, blasInfo().kind);
    assert.match(describeEngine(r), new RegExp(`^libtorch ${r.libtorch.replace(/\./g, '\\.')}.*, ${r.threads} threads?$`));
    // A system libtorch with the OpenMP OpenBLAS installed must run on it (the addon's rpath).
    if (existsSync(`${D}/openblas-openmp/libblas.so.3`) && existsSync(`${D}/libtorch_cpu.so.1.13`)) assert.equal(r.blasKind, 'openblas-openmp', r.blas);
  });
});

describe('sixstep doctor reports the engine', () => {
  it('prints libtorch, the BLAS and the threads, and puts them in --json', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'sixstep-doctor-'));
    const cli = join(root, 'dist', 'src', 'cli', 'main.js');
    const env = { ...process.env, SIXSTEP_THREADS: '1' };
    const text = spawnSync(process.execPath, [cli, 'doctor', '--project', 'p'], { cwd, encoding: 'utf8', env });
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /^engine: +libtorch \d+\.\d+\.\d+.*, .*BLAS.*, 1 thread$/m);
    const json = spawnSync(process.execPath, [cli, 'doctor', '--project', 'p', '--json'], { cwd, encoding: 'utf8', env });
    assert.equal(json.status, 0, json.stderr);
    const j = JSON.parse(json.stdout);
    assert.equal(j.engine.threads, 1);
    assert.equal(typeof j.engine.blas, 'string');
    assert.equal(j.engine.blasKind, engineReport().blasKind);
  });
});
