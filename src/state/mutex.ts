// A named mutex inside one process: callers of one name run one after another, in order.
// The memory and SQLite stores use it (one process owns their state); Redis has its own.
import { StateUnavailableError, type MutexOptions } from './state.js';

export class LocalMutexes {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(name: string, fn: () => Promise<T>, options: MutexOptions = {}): Promise<T> {
    const previous = this.tails.get(name) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = previous.then(() => mine);
    this.tails.set(name, tail);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        previous,
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new StateUnavailableError(`mutex ${name} busy`)), options.waitMs ?? 10_000);
        }),
      ]);
    } catch (err) {
      release(); // let the ones queued behind us go once `previous` settles
      throw err;
    } finally {
      clearTimeout(timer);
    }
    try {
      return await fn();
    } finally {
      release();
      if (this.tails.get(name) === tail) this.tails.delete(name);
    }
  }
}
