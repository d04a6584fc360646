// Which StateStore a gateway uses: Redis when redisUrl is set, memory otherwise. The Redis
// client is loaded only when it is configured: an instance without it does not pay its memory.
import { MemoryState } from './memory.js';
import type { StateStore } from './state.js';

export type { StateStore } from './state.js';
export { MemoryState } from './memory.js';

export async function createStateStore(redisUrl: string | undefined): Promise<StateStore> {
  if (!redisUrl) return new MemoryState();
  const { RedisState } = await import('./redis.js');
  return new RedisState(redisUrl);
}
