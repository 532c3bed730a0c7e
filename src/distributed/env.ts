// The torchrun conventions: a launched rank learns its place from the
// environment (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT).
import type { ProcessGroupOptions } from './process_group.js';

export interface RankEnv extends ProcessGroupOptions {
  localRank: number;
  localWorldSize: number;
}

function int(env: NodeJS.ProcessEnv, key: string, dflt?: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') {
    if (dflt !== undefined) return dflt;
    throw new Error(`${key} is not set`);
  }
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${key} must be a non-negative integer, not '${raw}'`);
  return n;
}

/** This process's rank settings when a launcher started it with WORLD_SIZE > 1, else null. */
export function rankFromEnv(env: NodeJS.ProcessEnv = process.env): RankEnv | null {
  const world = int(env, 'WORLD_SIZE', 1);
  if (world <= 1) return null;
  const rank = int(env, 'RANK');
  if (rank >= world) throw new Error(`RANK ${rank} is not below WORLD_SIZE ${world}`);
  return {
    rank,
    worldSize: world,
    localRank: int(env, 'LOCAL_RANK', rank),
    localWorldSize: int(env, 'LOCAL_WORLD_SIZE', world),
    masterAddr: env.MASTER_ADDR || '127.0.0.1',
    masterPort: int(env, 'MASTER_PORT', 29500),
    timeoutMs: int(env, 'SIXSTEP_DIST_TIMEOUT_MS', 60_000),
  };
}
