// Data-parallel options of fit and auto (the torchrun conventions) and what
// they do at the command line's edge: without a rank in the environment, the
// command starts its ranks and waits; as a rank, it joins the process group.
// Rank 0 is the run (store, checkpoints, report); the other ranks only train.
import type { Command } from 'commander';
import { launch, parseMaster, ProcessGroup, rankFromEnv } from '../distributed/index.js';
import type { Parallel } from '../steps/parallel.js';
import type { RankStats } from '../train/index.js';
import type { Out } from './output.js';
import { UsageError } from './errors.js';

export interface ParallelOptions {
  nproc?: string;
  nnodes?: string;
  nodeRank?: string;
  master?: string;
  distTimeout?: string;
}

export function addParallelOptions(c: Command): Command {
  return c
    .option('--nproc <n>', 'data-parallel: ranks on this machine (c10d/Gloo; each gets an equal share of the cores)')
    .option('--nnodes <n>', 'data-parallel: machines taking part (run the same command on each, with its --node-rank)', '1')
    .option('--node-rank <i>', "data-parallel: this machine's index, 0 … nnodes−1 (node 0 holds rank 0)", '0')
    .option('--master <host:port>', "data-parallel: rank 0's address and a free port, reachable from every machine (default: 127.0.0.1 and a free port)")
    .option('--dist-timeout <s>', 'data-parallel: seconds to wait for a peer (rendezvous and each collective) before giving up', '300');
}

const int = (s: string | undefined, name: string, dflt: number): number => {
  if (s === undefined) return dflt;
  const n = Number(s);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${name} must be a non-negative integer, not '${s}'`);
  return n;
};

/**
 * Without a rank in the environment and with --nproc/--nnodes asking for
 * more than one, starts the ranks (this same command line) and waits for
 * them. Returns the exit code then, or null when this process should train.
 */
export async function launchIfAsked(o: ParallelOptions): Promise<number | null> {
  if (rankFromEnv()) return null;
  const nproc = int(o.nproc, '--nproc', 1);
  const nnodes = int(o.nnodes, '--nnodes', 1);
  const nodeRank = int(o.nodeRank, '--node-rank', 0);
  if (nproc < 1) throw new UsageError('--nproc must be at least 1');
  if (nnodes < 1) throw new UsageError('--nnodes must be at least 1');
  if (nodeRank >= nnodes) throw new UsageError(`--node-rank must be in 0 … ${nnodes - 1}, not ${nodeRank}`);
  if (nnodes > 1 && !o.master) throw new UsageError("--nnodes > 1 needs --master host:port (rank 0's machine, reachable from every node)");
  let master: { addr: string; port: number } | undefined;
  try {
    master = o.master ? parseMaster(o.master) : undefined;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const timeoutMs = int(o.distTimeout, '--dist-timeout', 300) * 1000;
  if (timeoutMs < 1000) throw new UsageError('--dist-timeout must be at least 1 (seconds)');
  if (nproc * nnodes <= 1) return null;
  if (!ProcessGroup.available()) {
    throw new Error('data-parallel training needs Gloo, and this build has none: install its headers (Debian/Ubuntu: apt-get install libgloo-dev) and rebuild with `npm run build:native`');
  }
  const r = await launch({
    nproc,
    nnodes,
    nodeRank,
    master,
    args: [process.argv[1], ...process.argv.slice(2)],
    timeoutMs,
  });
  if (!r.ok) process.stderr.write(`\nsixstep: data-parallel run failed: ${r.message}\n`);
  return r.exitCode;
}

/**
 * A data-parallel command's whole life: without a rank in the environment and
 * asked for several, start the ranks and wait; as rank 0 (or alone) lead —
 * train and write; as another rank follow — train only.
 */
export async function asRanks<O extends ParallelOptions>(o: O, lead: (o: O, group: ProcessGroup | null) => Promise<void>, follow: (o: O, group: ProcessGroup) => Promise<void>): Promise<void> {
  const launched = await launchIfAsked(o);
  if (launched !== null) {
    process.exitCode = launched;
    return;
  }
  const group = joinIfRank();
  try {
    if (group && group.rank !== 0) await follow(o, group);
    else await lead(o, group);
  } finally {
    group?.destroy();
  }
}

/** Joins the process group when a launcher started this process as a rank. */
export function joinIfRank(): ProcessGroup | null {
  const env = rankFromEnv();
  if (!env) return null;
  // A rank whose launcher is gone (killed) stops instead of training for nobody.
  const launcher = Number(process.env.SIXSTEP_LAUNCHER_PID);
  if (launcher) {
    setInterval(() => {
      if (process.ppid !== launcher) process.exit(1);
    }, 1000).unref();
  }
  return ProcessGroup.init(env);
}

/** Nothing printed: ranks other than 0 train silently (their errors still reach stderr). */
export function silentOut(): Out {
  const id = (s: string) => s;
  return { json: true, say: () => undefined, step: () => undefined, result: () => undefined, color: { bold: id, dim: id, green: id, yellow: id, red: id, cyan: id } };
}

/** One line per epoch on rank 0: each rank's throughput and communication share. */
export function rankStatsLine(epoch: number, ranks: RankStats[]): string {
  const total = ranks.reduce((a, r) => a + r.samplesPerSecond, 0);
  return `epoch ${epoch + 1}: ${total.toFixed(0)} samples/s over ${ranks.length} ranks (${ranks.map((r) => `rank ${r.rank} ${r.samplesPerSecond.toFixed(0)}/s, ${(100 * r.commShare).toFixed(0)}% communicating`).join('; ')})`;
}

export function parallelFor(group: ProcessGroup | null, extra: Omit<Parallel, 'group'> = {}): Parallel | undefined {
  return group ? { group, ...extra } : undefined;
}
