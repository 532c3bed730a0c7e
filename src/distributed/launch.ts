// A torchrun-style launcher: starts `nproc` ranks of the same command on this
// machine (node `nodeRank` of `nnodes`), each told its place through RANK,
// WORLD_SIZE, LOCAL_RANK, MASTER_ADDR and MASTER_PORT. When a rank dies, the
// survivors fail in their next collective; whatever still runs after a grace
// period is stopped, and the result names the rank that failed first.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { availableParallelism } from 'node:os';
import { createInterface } from 'node:readline';

export interface LaunchOptions {
  /** Ranks on this machine. */
  nproc: number;
  /** Machines taking part; default 1. */
  nnodes?: number;
  /** This machine's index, 0 … nnodes − 1; default 0. Node 0 hosts rank 0 and the rendezvous store. */
  nodeRank?: number;
  /** Rank 0's address and store port; default 127.0.0.1 and a free port (one machine only). */
  master?: { addr: string; port: number };
  /** The program and arguments every rank runs (default: this Node.js). */
  command?: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** Torch threads per rank; default the cores shared out evenly (OpenMP threads that outnumber cores spin and collapse throughput). */
  threadsPerRank?: number;
  /** Collective and rendezvous timeout given to the ranks; default 60 s. */
  timeoutMs?: number;
  /** After one rank fails, how long the others get to stop by themselves; default 20 s. */
  graceMs?: number;
  /** Where other ranks' output lines go (default: stderr, prefixed with the rank). Each machine's first rank inherits stdio, unless pipeAll. */
  onLine?: (rank: number, line: string) => void;
  /** Send every rank's output, the first's included, to onLine. */
  pipeAll?: boolean;
}

export interface RankExit {
  rank: number;
  pid: number | undefined;
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface LaunchResult {
  ok: boolean;
  exits: RankExit[];
  /** The rank that failed first, if any. */
  firstFailure: RankExit | null;
  /** A sentence for the user when something failed. */
  message: string | null;
  /** rank 0's exit code (the run's own verdict: no signal, interrupted …) or 1. */
  exitCode: number;
}

/** "host:port" → parts (for --master). */
export function parseMaster(s: string): { addr: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(s.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 1 || port > 65535) throw new Error(`--master must be host:port (e.g. 10.0.0.1:29500), not '${s}'`);
  return { addr: m[1].replace(/^\[|\]$/g, ''), port };
}

/** A TCP port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

const describe = (e: RankExit): string => (e.signal ? `was killed by ${e.signal}` : `exited with code ${e.code}`);

export async function launch(o: LaunchOptions): Promise<LaunchResult> {
  const nnodes = o.nnodes ?? 1;
  const nodeRank = o.nodeRank ?? 0;
  if (!Number.isInteger(o.nproc) || o.nproc < 1) throw new Error(`--nproc must be a positive integer, not ${o.nproc}`);
  if (!Number.isInteger(nnodes) || nnodes < 1) throw new Error(`--nnodes must be a positive integer, not ${nnodes}`);
  if (!Number.isInteger(nodeRank) || nodeRank < 0 || nodeRank >= nnodes) throw new Error(`--node-rank must be in 0 … ${nnodes - 1}, not ${nodeRank}`);
  if (nnodes > 1 && !o.master) throw new Error('--nnodes > 1 needs --master host:port (rank 0\'s machine, reachable from every node)');
  const master = o.master ?? { addr: '127.0.0.1', port: await freePort() };
  const world = o.nproc * nnodes;
  const threads = o.threadsPerRank ?? Math.max(1, Math.floor(availableParallelism() / o.nproc));
  const graceMs = o.graceMs ?? 20_000;
  const onLine = o.onLine ?? ((rank, line) => process.stderr.write(`[rank ${rank}] ${line}\n`));

  const children: ChildProcess[] = [];
  const exits: RankExit[] = [];
  let firstFailure: RankExit | null = null;
  let killTimer: NodeJS.Timeout | null = null;

  const stopAll = (signal: NodeJS.Signals) => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill(signal);
  };
  // Ranks run in their own process group, so one Ctrl-C reaches each of them once (from here).
  const forward = (signal: NodeJS.Signals) => () => stopAll(signal);
  const onInt = forward('SIGINT');
  const onTerm = forward('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);

  try {
    await new Promise<void>((resolveAll) => {
      let running = o.nproc;
      for (let local = 0; local < o.nproc; local++) {
        const rank = nodeRank * o.nproc + local;
        const env: NodeJS.ProcessEnv = {
          ...process.env,
          ...o.env,
          RANK: String(rank),
          WORLD_SIZE: String(world),
          LOCAL_RANK: String(local),
          LOCAL_WORLD_SIZE: String(o.nproc),
          MASTER_ADDR: master.addr,
          MASTER_PORT: String(master.port),
          SIXSTEP_DIST_TIMEOUT_MS: String(o.timeoutMs ?? 60_000),
          SIXSTEP_THREADS: String(threads),
          OMP_NUM_THREADS: String(threads),
          SIXSTEP_LAUNCHER_PID: String(process.pid),
        };
        const child = spawn(o.command ?? process.execPath, o.args, { env, detached: true, stdio: local === 0 && !o.pipeAll ? ['ignore', 'inherit', 'inherit'] : ['ignore', 'pipe', 'pipe'] });
        children.push(child);
        for (const stream of [child.stdout, child.stderr]) {
          if (stream) createInterface({ input: stream }).on('line', (line) => onLine(rank, line));
        }
        child.on('exit', (code, signal) => {
          const e: RankExit = { rank, pid: child.pid, code, signal };
          exits.push(e);
          if ((code !== 0 || signal) && !firstFailure) {
            firstFailure = e;
            // The others should fail in their next collective; stop whoever does not.
            killTimer = setTimeout(() => {
              stopAll('SIGTERM');
              setTimeout(() => stopAll('SIGKILL'), 3000).unref();
            }, graceMs);
          }
          if (--running === 0) resolveAll();
        });
        child.on('error', (err) => onLine(rank, `could not start: ${err.message}`));
      }
    });
  } finally {
    if (killTimer) clearTimeout(killTimer);
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
  exits.sort((a, b) => a.rank - b.rank);
  const failure = firstFailure as RankExit | null;
  const rank0 = exits.find((e) => e.rank === 0);
  // Exit codes that carry a verdict (5 no signal, 130 interrupted) are not failures of the launch.
  const verdict = rank0 && rank0.code !== null && [0, 5, 130].includes(rank0.code) && exits.every((e) => e.code === rank0.code || e.code === 0);
  const ok = !failure || Boolean(verdict);
  const message = ok
    ? null
    : `rank ${failure!.rank} (pid ${failure!.pid}) ${describe(failure!)} first; ` +
      `then ${exits.filter((e) => e.rank !== failure!.rank).map((e) => `rank ${e.rank} ${describe(e)}`).join(', ') || 'no other rank ran'}. ` +
      (failure!.rank === 0 && failure!.code !== null && failure!.code >= 2 && failure!.code <= 4
        ? "See rank 0's error above."
        : 'The run stopped; run the same command with --resume to continue from its last checkpoint.');
  return { ok, exits, firstFailure: ok ? null : failure, message, exitCode: ok ? (rank0?.code ?? 0) : rank0 && rank0.code && rank0.code !== 0 ? rank0.code : 1 };
}
