// Per-rank training figures of data-parallel runs (written by rank 0 after
// every epoch): throughput, and the share of time spent in collectives.
import type { Db } from './db.js';
import { checkInt } from './json.js';

export interface RankStatsInput {
  rank: number;
  samples: number;
  seconds: number;
  commSeconds: number;
}

export interface RankStatsRow extends RankStatsInput {
  epoch: number;
  samplesPerSecond: number;
  /** commSeconds / seconds */
  commShare: number;
}

/** Records one epoch's figures for every rank; an epoch written again (after a resume) is replaced. */
export function putRankStats(db: Db, runId: string, epoch: number, ranks: readonly RankStatsInput[]): void {
  checkInt(epoch, 'epoch');
  db.write(() => {
    const ins = db.stmt('INSERT OR REPLACE INTO rank_stats (run_id, epoch, rank, samples, seconds, comm_seconds) VALUES (?, ?, ?, ?, ?, ?)');
    for (const r of ranks) {
      checkInt(r.rank, 'rank');
      ins.run(runId, epoch, r.rank, Math.round(r.samples), r.seconds, r.commSeconds);
    }
  });
}

/** All figures of a run, by epoch then rank. */
export function rankStatsOf(db: Db, runId: string): RankStatsRow[] {
  const rows = db.stmt('SELECT epoch, rank, samples, seconds, comm_seconds FROM rank_stats WHERE run_id = ? ORDER BY epoch, rank').all(runId) as Array<{ epoch: number; rank: number; samples: number; seconds: number; comm_seconds: number }>;
  return rows.map((r) => ({ epoch: r.epoch, rank: r.rank, samples: r.samples, seconds: r.seconds, commSeconds: r.comm_seconds, samplesPerSecond: r.seconds > 0 ? r.samples / r.seconds : 0, commShare: r.seconds > 0 ? r.comm_seconds / r.seconds : 0 }));
}

/** Per rank over all epochs: samples, seconds, throughput and communication share. */
export function summarizeRankStats(rows: readonly RankStatsRow[]): Array<Omit<RankStatsRow, 'epoch'> & { epochs: number }> {
  const by = new Map<number, { rank: number; samples: number; seconds: number; commSeconds: number; epochs: number }>();
  for (const r of rows) {
    const a = by.get(r.rank) ?? { rank: r.rank, samples: 0, seconds: 0, commSeconds: 0, epochs: 0 };
    a.samples += r.samples;
    a.seconds += r.seconds;
    a.commSeconds += r.commSeconds;
    a.epochs++;
    by.set(r.rank, a);
  }
  return [...by.values()].sort((a, b) => a.rank - b.rank).map((a) => ({ ...a, samplesPerSecond: a.seconds > 0 ? a.samples / a.seconds : 0, commShare: a.seconds > 0 ? a.commSeconds / a.seconds : 0 }));
}
