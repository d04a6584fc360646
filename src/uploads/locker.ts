// The tus lock of an upload, across every gateway instance that shares the state store (Redis,
// or memory for one instance): a PATCH may land on any instance, and two requests appending to
// the same part file at once would corrupt it. Inside one instance tus's MemoryLocker comes
// first: it asks an older request on the same upload (a half-open connection) to let go. Then
// the state store's named mutex, held until tus unlocks.
import { MemoryLocker, type Lock, type Locker, type RequestRelease } from '@tus/server';
import type { StateStore } from '../state/state.js';

/** A PATCH longer than this loses its lock (the store frees it should its holder die). */
const UPLOAD_LOCK_TTL_MS = 15 * 60_000;
/** How long a request waits for an upload busy on another instance before 423. */
const UPLOAD_LOCK_WAIT_MS = 10_000;

/** 423 for tus's response: the upload is in use by another request. */
const BUSY = { status_code: 423, body: 'the upload is busy with another request (on another gateway instance?); retry\n' };
const UNAVAILABLE = { status_code: 503, body: 'the shared state store is unavailable; retry\n' };

export class StateLocker implements Locker {
  private readonly local = new MemoryLocker({ acquireLockTimeout: UPLOAD_LOCK_WAIT_MS });

  /** `scope` names the upload's files for the mutex (site and root: the id alone is per folder). */
  constructor(
    private readonly state: StateStore,
    private readonly scope: () => string,
  ) {}

  newLock(id: string): Lock {
    return new StateLock(this.local.newLock(id), this.state, `tus:${this.scope()}\0${id}`);
  }
}

class StateLock implements Lock {
  private release?: () => void;
  private held?: Promise<unknown>;

  constructor(
    private readonly local: Lock,
    private readonly state: StateStore,
    private readonly name: string,
  ) {}

  async lock(signal: AbortSignal, cancelReq: RequestRelease): Promise<void> {
    await this.local.lock(signal, cancelReq);
    try {
      await new Promise<void>((acquired, failed) => {
        this.held = this.state
          .withMutex(this.name, () => new Promise<void>((r) => ((this.release = r), acquired())), { ttlMs: UPLOAD_LOCK_TTL_MS, waitMs: UPLOAD_LOCK_WAIT_MS })
          .catch((err: unknown) => failed(err));
      });
    } catch (err) {
      await this.local.unlock();
      throw /busy/.test(String((err as Error)?.message)) ? BUSY : UNAVAILABLE;
    }
  }

  async unlock(): Promise<void> {
    this.release?.();
    await this.held;
    await this.local.unlock();
  }
}
