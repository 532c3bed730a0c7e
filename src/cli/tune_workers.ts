// `sixstep tune --workers n`: n worker processes of the same command line
// (marked by SIXSTEP_TUNE_WORKER), each with its share of the cores, their
// output relayed to stderr line by line with the worker's number in front.
import { spawn } from 'node:child_process';
import { availableParallelism, hostname } from 'node:os';
import { createInterface } from 'node:readline';

export const WORKER_ENV = 'SIXSTEP_TUNE_WORKER';
export const DEADLINE_ENV = 'SIXSTEP_TUNE_DEADLINE';

export interface WorkerExit {
  index: number;
  pid: number;
  /** The `<host>:<pid>` its trials are claimed by. */
  claimedBy: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}

export const workerFailed = (w: WorkerExit): boolean => w.code !== 0;

export function describeExit(w: WorkerExit): string {
  return `worker ${w.index} (pid ${w.pid}) ${w.signal ? `was killed by ${w.signal}` : `exited with code ${w.code}`}`;
}

/**
 * Threads each of n workers gets: SIXSTEP_THREADS if set, else the cores
 * shared out, at least one. More threads than cores in all makes OpenMP's
 * busy-waiting threads fight over them, and throughput collapses.
 */
export function threadsPerWorker(n: number): number {
  const fromEnv = Number(process.env.SIXSTEP_THREADS);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : Math.max(1, Math.floor(availableParallelism() / n));
}

/** This process's arguments for a worker: without --workers, with the study named. */
export function workerArgs(argv: readonly string[], study: string): string[] {
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--workers') i++;
    else if (!argv[i].startsWith('--workers=')) args.push(argv[i]);
  }
  return [...args, '--study', study];
}

/** Starts n workers and resolves with how each one ended. */
export function runWorkers(n: number, o: { study: string; deadline?: number }): Promise<WorkerExit[]> {
  const threads = String(threadsPerWorker(n));
  const args = [process.argv[1], ...workerArgs(process.argv.slice(2), o.study)];
  return Promise.all(
    Array.from({ length: n }, (_, index) => {
      const env: NodeJS.ProcessEnv = { ...process.env, [WORKER_ENV]: String(index), SIXSTEP_THREADS: threads, OMP_NUM_THREADS: threads };
      if (o.deadline) env[DEADLINE_ENV] = String(o.deadline);
      const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
      for (const stream of [child.stdout, child.stderr]) {
        createInterface({ input: stream }).on('line', (line) => process.stderr.write(`[worker ${index}] ${line}\n`));
      }
      return new Promise<WorkerExit>((resolve) => {
        const exit = (code: number | null, signal: NodeJS.Signals | null) =>
          resolve({ index, pid: child.pid ?? -1, claimedBy: `${hostname()}:${child.pid}`, code, signal });
        child.on('error', (e) => {
          process.stderr.write(`[worker ${index}] could not start: ${e.message}\n`);
          exit(null, null);
        });
        child.on('exit', exit);
      });
    }),
  );
}
