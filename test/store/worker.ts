// A child process for the multi-process store tests (not a test file itself).
//   write <dir> <worker> <rows>  open the store, print "ready", wait for a line
//                                on stdin, then claim a trial, write <rows> step rows for it
//                                (three in five through a StepWriter, the rest
//                                as single-row transactions), finish, print "done"
//   hold <dir> <committed> <open> commit <committed> rows, then write <open>
//                                more inside a transaction left open, print
//                                "holding <wal bytes>" and wait to be killed
import { statSync, writeSync } from 'node:fs';
import { openStore } from '../../src/store/index.js';

const [mode, dir, a, b] = process.argv.slice(2);

function say(line: string): void {
  // Synchronous: the parent acts on this line while we sit in a transaction.
  writeSync(1, `${line}\n`);
}

/** Resolves when the parent writes a line to stdin: lets all workers start writing at once. */
function gate(): Promise<void> {
  return new Promise((resolve) => process.stdin.once('data', () => resolve()));
}

if (mode === 'write') {
  const worker = Number(a);
  const rows = Number(b);
  const store = openStore(dir);
  say('ready');
  await gate();
  process.stdin.destroy();
  const trial = store.claimTrial('concurrent', { params: { worker } });
  const run = store.createRun({ kind: 'trial', config: { worker } });
  store.setTrialRun('concurrent', trial.trialNumber, run.id);
  const writer = store.stepWriter(run.id, { batchSize: 50 });
  for (let i = 0; i < rows; i++) {
    const row = { step: i, epoch: Math.floor(i / 100), loss: 1 / (i + 1), lrs: [1e-3, 1e-4], gradNorm: i % 7 === 0 ? null : i / 10 };
    if (i % 5 < 3) writer.add(row);
    else store.logStep(run.id, row);
    if (i % 100 === 99) store.logEpoch(run.id, { epoch: Math.floor(i / 100), trainLoss: 1 / (i + 1), validLoss: 2 / (i + 1), seconds: 0.01 });
  }
  writer.close();
  store.finishTrial('concurrent', trial.trialNumber, { state: 'complete', value: worker / 10 });
  store.finishRun(run.id, { summary: { worker } });
  store.close();
  say('done');
} else if (mode === 'hold') {
  const committed = Number(a);
  const open = Number(b);
  const store = openStore(dir);
  const run = store.createRun({ id: 'held', kind: 'fit' });
  const step = (i: number) => ({ step: i, epoch: 0, loss: i, lrs: [0.1], gradNorm: 1 });
  store.logSteps(run.id, Array.from({ length: committed }, (_, i) => step(i)));
  const db = store.connection;
  // A tiny page cache makes SQLite spill uncommitted pages into the WAL, so the
  // kill leaves uncommitted frames on disk that recovery must ignore.
  db.pragma('cache_size = 8');
  db.exec('BEGIN IMMEDIATE');
  const writer = store.stepWriter(run.id, { batchSize: 1000 });
  for (let i = committed; i < committed + open; i++) writer.add(step(i));
  writer.flush(); // a savepoint inside the open transaction: written, not committed
  store.finishRun(run.id, { summary: { never: 'committed' } });
  say(`holding ${statSync(`${dir}/sixstep.db-wal`).size}`);
  setInterval(() => {}, 60_000);
} else {
  console.error(`unknown mode ${mode}`);
  process.exit(2);
}
