// Which StateStore a gateway uses: Redis when redisUrl is set, memory otherwise.
import { MemoryState } from './memory.js';
import { RedisState } from './redis.js';
import type { StateStore } from './state.js';

export type { StateStore } from './state.js';
export { MemoryState } from './memory.js';
export { RedisState, redactRedisUrl } from './redis.js';

export function createStateStore(redisUrl: string | undefined): StateStore {
  return redisUrl ? new RedisState(redisUrl) : new MemoryState();
}
