// Which StateStore a gateway uses: Redis when redisUrl is set (several instances), else SQLite
// under the data folder (one instance; state survives a restart), else memory (tests, or
// dataDir "none"). The Redis client and SQLite are loaded only when used.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { MemoryState } from './memory.js';
import type { StateStore } from './state.js';

export type { StateStore } from './state.js';

/**
 * The data folder when none is set: $XDG_STATE_HOME/ftpgate, else ~/.local/state/ftpgate (the
 * XDG place for state that should survive a restart but is not a document). It does not depend
 * on the folder the gateway is started from, so a restart from elsewhere finds the same state.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_STATE_HOME && env.XDG_STATE_HOME.startsWith('/') ? env.XDG_STATE_HOME : join(homedir(), '.local', 'state');
  return join(base, 'ftpgate');
}

export interface StateOptions {
  redisUrl?: string | undefined;
  /** A folder for the embedded store; "none" or unset: in memory. */
  dataDir?: string | undefined;
}

export async function createStateStore(options: StateOptions): Promise<StateStore> {
  if (options.redisUrl) {
    const { RedisState } = await import('./redis.js');
    return new RedisState(options.redisUrl);
  }
  if (options.dataDir && options.dataDir !== 'none') {
    const { SqliteState } = await import('./sqlite.js');
    return new SqliteState(options.dataDir);
  }
  return new MemoryState();
}

/** For the start-up line: where this gateway keeps its state. */
export function describeState(state: StateStore, options: StateOptions): string {
  if (state.kind === 'redis') return 'Redis (shared by every instance)';
  if (state.kind === 'sqlite') return `${options.dataDir} (SQLite)`;
  return 'memory (lost on restart)';
}
