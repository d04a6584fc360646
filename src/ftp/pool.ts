// A pool of logged-in sessions for one site. At most `poolSize` sessions exist per site,
// whatever credentials they carry; requests beyond that wait in FIFO order, up to the
// queue timeout. Idle sessions close after the idle timeout; one that has sat idle for a
// while is checked with NOOP before it is lent out. A session that saw an error or an
// aborted transfer is closed, never lent again.
import type { SiteConfig } from '../config/schema.js';
import { FtpConnectionError, FtpReplyError, PoolClosedError, PoolTimeoutError, toFtpError } from './errors.js';
import { describeDataConnection, type DataMemory } from './data-mode.js';
import { credentialKey, FtpSession, type FtpLogger, type TransferStream } from './session.js';
import { SiteThrottle } from './throttle.js';
import type { ByteRange, Credentials } from './types.js';
import { ftpEvents } from '../ops/ftp-events.js';

interface Waiter {
  key: string;
  creds: Credentials;
  since: number;
  resolve(session: FtpSession): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

export interface PoolStats {
  open: number;
  idle: number;
  waiting: number;
}

export interface RunOptions {
  /** A read-only command may be tried once more on a fresh session if a pooled one was stale. */
  retryOnStale?: boolean;
}

export class SessionPool {
  private readonly idle: FtpSession[] = [];
  private readonly waiters: Waiter[] = [];
  private readonly memory: DataMemory = {};
  /** This site's bandwidth limits (and the gateway's); see throttle.ts. */
  readonly throttle: SiteThrottle;
  private total = 0;
  private closing = false;
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    readonly site: SiteConfig,
    private readonly log: FtpLogger,
  ) {
    this.throttle = new SiteThrottle(site);
    const every = Math.max(250, Math.min(site.idleTimeoutMs / 2, 5_000));
    this.sweeper = setInterval(() => this.closeIdleSessions(), every);
    this.sweeper.unref();
  }

  stats(): PoolStats {
    return { open: this.total, idle: this.idle.length, waiting: this.waiters.length };
  }

  /** Which passive command this site answers to, once known. */
  get passiveCommand(): string | undefined {
    return this.memory.command;
  }

  /** How this site's data connections are made, as far as known: "passive (EPSV)", "active (PORT)"... */
  get dataConnection(): string {
    return describeDataConnection(this.site.dataMode, this.memory);
  }

  /** Borrow a session for `fn`; it goes back to the pool on success or on a plain reply error. */
  async run<T>(creds: Credentials, fn: (session: FtpSession) => Promise<T>, options: RunOptions = {}): Promise<T> {
    const waitStart = performance.now(); // metrics: pool wait
    const { session, reused } = await this.acquireWithOrigin(creds);
    ftpEvents.poolWait(this.site.name, (performance.now() - waitStart) / 1000);
    try {
      const result = await fn(session);
      this.release(session);
      return result;
    } catch (err) {
      const e = toFtpError(err);
      // 421 and 530 on a session from the pool mean the server dropped it: never lend it again.
      if (e instanceof FtpReplyError && !session.closed && e.code !== 421 && !(reused && e.code === 530)) this.release(session);
      else this.discard(session);
      // A pooled session may have been dropped by the server (idle timeout, restart).
      const stale = e instanceof FtpConnectionError || (e instanceof FtpReplyError && (e.code === 421 || e.code === 530));
      if (options.retryOnStale && reused && stale) {
        this.log.debug({ site: this.site.name, err: e.message }, 'pooled FTP session was stale, retrying once');
        const fresh = await this.acquireFresh(creds);
        try {
          const result = await fn(fresh);
          this.release(fresh);
          return result;
        } catch (err2) {
          const e2 = toFtpError(err2);
          if (e2 instanceof FtpReplyError && !fresh.closed) this.release(fresh);
          else this.discard(fresh);
          throw e2;
        }
      }
      throw e;
    }
  }

  /**
   * Open a download. Resolves once the first byte (or the end of an empty file) has arrived,
   * so that a refusal (550, a stale session) is still an error the caller can answer cleanly;
   * the session returns to the pool, or is closed, when the transfer is over.
   */
  async read(creds: Credentials, path: string, range?: ByteRange, retried = false): Promise<TransferStream> {
    const waitStart = performance.now(); // metrics: pool wait
    const { session, reused } = retried ? { session: await this.acquireFresh(creds), reused: false } : await this.acquireWithOrigin(creds);
    ftpEvents.poolWait(this.site.name, (performance.now() - waitStart) / 1000);
    const handle = session.read(path, range);
    void handle.finished.then(() => this.release(session));
    try {
      await handle.started;
      return handle.stream;
    } catch (err) {
      const e = toFtpError(err);
      if (!retried && reused && (e instanceof FtpConnectionError || (e instanceof FtpReplyError && (e.code === 421 || e.code === 530)))) {
        return this.read(creds, path, range, true);
      }
      throw e;
    }
  }

  async acquire(creds: Credentials): Promise<FtpSession> {
    return (await this.acquireWithOrigin(creds)).session;
  }

  private async acquireWithOrigin(creds: Credentials): Promise<{ session: FtpSession; reused: boolean }> {
    if (this.closing) throw new PoolClosedError('the gateway is shutting down');
    const key = credentialKey(this.site.name, creds);
    for (;;) {
      const i = this.idle.findLastIndex((s) => s.key === key);
      if (i < 0) break;
      const session = this.idle.splice(i, 1)[0]!;
      if (session.closed) {
        this.forget(session);
        continue;
      }
      if (Date.now() - session.lastUsed > this.site.checkAfterMs) {
        try {
          await session.noop();
        } catch {
          this.discard(session);
          continue;
        }
      }
      return { session, reused: true };
    }
    if (this.total >= this.site.poolSize) {
      // Make room by closing an idle session that belongs to another login.
      const other = this.idle.shift();
      if (other) this.discard(other, false);
    }
    if (this.total < this.site.poolSize) return { session: await this.openCounted(creds), reused: false };
    return { session: await this.enqueue(key, creds), reused: true };
  }

  /** A new session, bypassing idle ones (used for the one retry after a stale session). */
  private async acquireFresh(creds: Credentials): Promise<FtpSession> {
    if (this.total < this.site.poolSize) return this.openCounted(creds);
    return this.enqueue(credentialKey(this.site.name, creds), creds);
  }

  private async openCounted(creds: Credentials): Promise<FtpSession> {
    this.total++;
    try {
      const session = await FtpSession.open(this.site, creds, this.memory, this.log);
      session.throttle = (direction) => this.throttle.gate(session.key, direction);
      return session;
    } catch (err) {
      this.total--;
      this.serveWaiters();
      throw err;
    }
  }

  private enqueue(key: string, creds: Credentials): Promise<FtpSession> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        key,
        creds,
        since: Date.now(),
        resolve,
        reject,
        timer: setTimeout(() => {
          const at = this.waiters.indexOf(waiter);
          if (at >= 0) this.waiters.splice(at, 1);
          reject(new PoolTimeoutError(this.site.name, Date.now() - waiter.since));
        }, this.site.queueTimeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  /** Give a healthy session back. */
  release(session: FtpSession): void {
    if (session.closed || this.closing) return this.discard(session);
    session.lastUsed = Date.now();
    const waiter = this.waiters.shift();
    if (!waiter) {
      this.idle.push(session);
      return;
    }
    clearTimeout(waiter.timer);
    if (waiter.key === session.key) return waiter.resolve(session);
    // The next in line logs in as someone else: trade this session for a new one.
    this.discard(session, false);
    this.openFor(waiter);
  }

  /** Close a session that must not be reused and let the next waiter have its place. */
  discard(session: FtpSession, serve = true): void {
    session.close();
    this.forget(session);
    if (serve) this.serveWaiters();
  }

  private forget(session: FtpSession): void {
    const i = this.idle.indexOf(session);
    if (i >= 0) this.idle.splice(i, 1);
    this.total--;
  }

  private serveWaiters(): void {
    while (this.waiters.length > 0 && this.total < this.site.poolSize) {
      const waiter = this.waiters.shift()!;
      clearTimeout(waiter.timer);
      this.openFor(waiter);
    }
  }

  private openFor(waiter: Waiter): void {
    this.openCounted(waiter.creds).then(waiter.resolve, waiter.reject);
  }

  private closeIdleSessions(): void {
    this.throttle.prune();
    const now = Date.now();
    for (const session of [...this.idle]) {
      if (session.closed || now - session.lastUsed > this.site.idleTimeoutMs) this.discard(session, false);
    }
  }

  /** Stop lending, refuse waiters, say QUIT to idle sessions. Sessions in use close on release. */
  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.sweeper);
    this.throttle.close();
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(new PoolClosedError('the gateway is shutting down'));
    }
    const idle = this.idle.splice(0);
    this.total -= idle.length;
    await Promise.all(idle.map((s) => s.quit()));
  }
}

