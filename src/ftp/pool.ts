// A pool of logged-in sessions for one site. At most `poolSize` sessions exist per site,
// whatever credentials they carry (fewer once the server's own cap is learned, below);
// requests beyond that wait, served fairly between clients (fair-share.ts), up to the queue
// timeout. Idle sessions close after the idle timeout; `minIdle` sessions of a fixed-login site
// are kept logged in ahead of need. One that has sat idle for a while is checked with NOOP
// before it is lent out. A session that saw an error or an aborted transfer is closed.
//
// A server's connection cap is learned: when a new session is refused at the door (421, or
// the connection closed at the greeting) while the site has sessions open, the pool lowers the
// site's limit to the sessions it has, queues the request for the next free one, and tries one
// more after `capRetryMs` to see whether the cap was raised. Only a site with no session fails.
import type { SiteConfig } from '../config/schema.js';
import { FtpConnectionError, FtpReplyError, PoolClosedError, PoolTimeoutError, toFtpError } from './errors.js';
import { describeDataConnection, type DataMemory } from './data-mode.js';
import { FairShare, type ClientOf, type RequestKind, type Ticket } from './fair-share.js';
import { credentialKey } from '../core/login-key.js';
import { FtpSession, type FtpLogger, type ReadHandle, type TransferStream } from './session.js';
import { GatewayThrottle, SiteThrottle } from './throttle.js';
import type { ByteRange, Credentials } from '../core/types.js';
import { ftpEvents } from './diagnostics.js';

/** What the pool needs of a session (FtpSession; fakes in unit tests). */
export interface PoolSession {
  readonly key: string;
  lastUsed: number;
  readonly closed: boolean;
  noop(): Promise<void>;
  close(): void;
  quit(): Promise<void>;
  read(path: string, range?: ByteRange): ReadHandle;
}

/** Opens and logs in one session; rejects with the server's refusal. */
export type SessionFactory<S extends PoolSession> = (creds: Credentials) => Promise<S>;

interface Lease<S> {
  session: S;
  reused: boolean;
}

interface Waiter<S> {
  key: string;
  creds: Credentials;
  ticket: Ticket;
  /** Not an idle session: the retry after a stale one. */
  fresh: boolean;
  since: number;
  done: boolean;
  resolve(lease: Lease<S>): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

export interface PoolStats {
  open: number;
  idle: number;
  waiting: number;
  /** Sessions this site may have now: poolSize, or the server's cap once learned. */
  limit: number;
  /** The server's connection cap as learned from its refusals, if any. */
  learnedLimit?: number;
  /** Sessions lent out for transfers. */
  transfers: number;
}

export interface RunOptions {
  /** A read-only command may be tried once more on a fresh session if a pooled one was stale. */
  retryOnStale?: boolean;
  /** A data transfer (STOR, APPE): held to the transfer shares, never the session kept for commands. */
  transfer?: boolean;
}

/** The server turned a new connection away at the door (too many connections). */
class CapReached extends Error {}

const LOGIN_RETRY_DELAYS = [250, 750, 1500];

/** A refusal that says "too many connections": 421 at the door, or the connection closed at the greeting. */
export function isCapRefusal(err: Error): boolean {
  if (err instanceof FtpReplyError) return err.code === 421;
  return err instanceof FtpConnectionError && /FIN packet|ECONNRESET|socket hang up|closed/i.test(err.message) && !/ECONNREFUSED/.test(err.message);
}

export class SessionPool<S extends PoolSession = FtpSession> {
  private readonly idle: S[] = [];
  private readonly waiters: Waiter<S>[] = [];
  private readonly lent = new Map<S, Ticket>();
  private readonly memory: DataMemory = {};
  private readonly shares: FairShare;
  private readonly factory: SessionFactory<S>;
  /** This site's bandwidth limits (and the gateway's); see throttle.ts. */
  readonly throttle: SiteThrottle;
  /** Sessions open or being opened. */
  private total = 0;
  private opening = 0;
  private learnedCap: number | undefined;
  private capRetryAt = 0;
  private probing = false;
  private warming = 0;
  private warmAfter = 0;
  private closing = false;
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    readonly site: SiteConfig,
    private readonly log: FtpLogger,
    factory?: SessionFactory<S>,
    clientOf?: ClientOf,
    /** The gateway-wide limits shared with the other sites (none by default). */
    gateway: GatewayThrottle = new GatewayThrottle(),
  ) {
    this.throttle = new SiteThrottle(site, gateway);
    this.shares = new FairShare(site.clientShare, clientOf);
    this.factory =
      factory ??
      (async (creds) => {
        const session = await FtpSession.open(site, creds, this.memory, log, []);
        session.throttle = (direction) => this.throttle.gate(session.key, direction);
        session.othersWaiting = () => this.waiters.length > 0;
        return session as unknown as S;
      });
    const every = Math.max(250, Math.min(site.idleTimeoutMs / 2, 5_000));
    this.sweeper = setInterval(() => this.sweep(), every);
    this.sweeper.unref();
    queueMicrotask(() => this.warm());
  }

  stats(): PoolStats {
    return {
      open: this.total,
      idle: this.idle.length,
      waiting: this.waiters.length,
      limit: this.limit,
      ...(this.learnedCap !== undefined ? { learnedLimit: this.learnedCap } : {}),
      transfers: this.shares.transfersRunning,
    };
  }

  /** How this site's data connections are made, as far as known: "passive (EPSV)", "active (PORT)"... */
  get dataConnection(): string {
    return describeDataConnection(this.site.dataMode, this.memory);
  }

  private get limit(): number {
    return Math.min(this.site.poolSize, this.learnedCap ?? Infinity);
  }

  /** Sessions that may exist now: the limit, or one more when a learned cap is due to be tried again. */
  private capacity(): number {
    const cap = this.learnedCap;
    if (cap !== undefined && cap < this.site.poolSize && !this.probing && Date.now() >= this.capRetryAt) return cap + 1;
    return this.limit;
  }

  /** Borrow a session for `fn`; it goes back to the pool on success or on a plain reply error. */
  async run<T>(creds: Credentials, fn: (session: S) => Promise<T>, options: RunOptions = {}): Promise<T> {
    const kind: RequestKind = options.transfer ? 'transfer' : 'command';
    const waitStart = performance.now(); // metrics: pool wait
    const { session, reused } = await this.acquire(creds, kind, false);
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
        const { session: fresh } = await this.acquire(creds, kind, true);
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
    const { session, reused } = await this.acquire(creds, 'transfer', retried);
    ftpEvents.poolWait(this.site.name, (performance.now() - waitStart) / 1000);
    const handle = session.read(path, range);
    void handle.finished.then(() => this.release(session));
    try {
      await handle.started;
      return handle.stream;
    } catch (err) {
      const e = toFtpError(err);
      // 425 on a data connection opened ahead: the server had let it go meanwhile (stale, like the session).
      const staleAhead = handle.usedPreopened === true && e instanceof FtpReplyError && e.code === 425;
      if (!retried && reused && (staleAhead || e instanceof FtpConnectionError || (e instanceof FtpReplyError && (e.code === 421 || e.code === 530)))) {
        return this.read(creds, path, range, true);
      }
      throw e;
    }
  }

  private async acquire(creds: Credentials, kind: RequestKind, fresh: boolean): Promise<Lease<S>> {
    if (this.closing) throw new PoolClosedError('the gateway is shutting down');
    const key = credentialKey(this.site.name, creds);
    const ticket = this.shares.ticket(creds.user, kind);
    if (!this.shares.allows(ticket, this.limit)) return this.enqueue(key, creds, ticket, fresh);
    this.shares.grant(ticket);
    if (!fresh) {
      const session = await this.takeIdle(key);
      if (session) return this.lend(session, ticket, true);
    }
    if (this.total >= this.capacity()) {
      // Make room by closing an idle session that belongs to another login.
      const other = this.idle.shift();
      if (other) this.discard(other, false);
    }
    if (this.total < this.capacity()) {
      try {
        return this.lend(await this.open(creds), ticket, false);
      } catch (err) {
        this.shares.ungrant(ticket);
        if (err instanceof CapReached) return this.enqueue(key, creds, ticket, fresh);
        this.pump();
        throw err;
      }
    }
    this.shares.ungrant(ticket);
    return this.enqueue(key, creds, ticket, fresh);
  }

  /** An idle session of this login, checked with NOOP when it has sat for a while. */
  private async takeIdle(key: string): Promise<S | undefined> {
    for (;;) {
      const i = this.idle.findLastIndex((s) => s.key === key);
      if (i < 0) return undefined;
      const session = this.idle.splice(i, 1)[0]!;
      if (session.closed) {
        this.total--;
        continue;
      }
      if (Date.now() - session.lastUsed > this.site.checkAfterMs) {
        try {
          await session.noop();
        } catch {
          session.close();
          this.total--;
          continue;
        }
      }
      return session;
    }
  }

  private lend(session: S, ticket: Ticket, reused: boolean): Lease<S> {
    this.lent.set(session, ticket);
    return { session, reused };
  }

  /**
   * A new session, counted from the start. A refusal at the door while the site has sessions
   * open teaches the pool the server's cap (CapReached: the caller queues); with none open,
   * "421" is retried a few times before the request fails.
   */
  private async open(creds: Credentials): Promise<S> {
    const probe = this.total >= this.limit; // one past the learned cap: is it still there?
    if (probe) this.probing = true;
    this.total++;
    this.opening++;
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          const session = await this.factory(creds);
          this.opened(probe);
          return session;
        } catch (err) {
          const e = toFtpError(err);
          if (!isCapRefusal(e)) throw e;
          if (this.total - this.opening > 0) {
            this.learn(probe);
            throw new CapReached(e.message);
          }
          if (!(e instanceof FtpReplyError) || attempt >= LOGIN_RETRY_DELAYS.length || this.closing) throw e;
          this.log.warn({ site: this.site.name, attempt: attempt + 1 }, 'FTP server answered 421 at login, retrying');
          await new Promise((r) => setTimeout(r, LOGIN_RETRY_DELAYS[attempt]));
          if (this.total - this.opening > 0) {
            this.learn(probe);
            throw new CapReached(e.message);
          }
        }
      }
    } catch (err) {
      this.total--;
      if (probe) {
        this.probing = false;
        this.capRetryAt = Date.now() + this.site.capRetryMs;
      }
      throw err;
    } finally {
      this.opening--;
    }
  }

  /** A session opened: past a learned cap, the cap was raised (or was lower only for a while). */
  private opened(probe: boolean): void {
    if (probe) this.probing = false;
    const open = this.total - this.opening + 1; // this one included
    if (this.learnedCap === undefined || open <= this.learnedCap) return;
    const was = this.learnedCap;
    this.learnedCap = open >= this.site.poolSize ? undefined : open;
    this.capRetryAt = Date.now() + this.site.capRetryMs;
    this.log.warn({ site: this.site.name, was, limit: this.limit }, 'FTP server accepts more connections again: site limit raised');
  }

  private learn(probe: boolean): void {
    const open = Math.max(1, this.total - this.opening);
    this.capRetryAt = Date.now() + this.site.capRetryMs;
    if (probe) this.probing = false;
    if (this.learnedCap !== undefined && open >= this.learnedCap) return;
    this.learnedCap = open;
    this.log.warn(
      { site: this.site.name, limit: open, poolSize: this.site.poolSize, retryInMs: this.site.capRetryMs },
      'FTP server refuses more connections: site limited to the sessions it has; requests queue for them',
    );
  }

  private enqueue(key: string, creds: Credentials, ticket: Ticket, fresh: boolean): Promise<Lease<S>> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter<S> = {
        key,
        creds,
        ticket,
        fresh,
        since: Date.now(),
        done: false,
        resolve,
        reject,
        timer: setTimeout(() => {
          if (waiter.done) return;
          waiter.done = true;
          const at = this.waiters.indexOf(waiter);
          if (at >= 0) this.waiters.splice(at, 1);
          reject(new PoolTimeoutError(this.site.name, Date.now() - waiter.since));
        }, this.site.queueTimeoutMs),
      };
      this.waiters.push(waiter);
      this.pump();
    });
  }

  /** Serve waiters while sessions and shares allow. */
  private pump(): void {
    while (!this.closing) {
      const waiter = this.shares.pick(this.waiters, this.limit);
      if (!waiter) return;
      const i = waiter.fresh ? -1 : this.idle.findLastIndex((s) => s.key === waiter.key && !s.closed);
      if (i < 0 && this.total >= this.capacity()) {
        // Trade an idle session of another login for a new one of this waiter's.
        const other = this.idle.shift();
        if (!other) return;
        this.discard(other, false);
      }
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      this.shares.grant(waiter.ticket);
      if (i >= 0) this.handOver(waiter, this.idle.splice(i, 1)[0]!);
      else this.openFor(waiter);
    }
  }

  private handOver(waiter: Waiter<S>, session: S): void {
    if (waiter.done) {
      // Timed out meanwhile: the session goes back.
      this.shares.ungrant(waiter.ticket);
      this.idle.push(session);
      this.pump();
      return;
    }
    waiter.done = true;
    clearTimeout(waiter.timer);
    waiter.resolve(this.lend(session, waiter.ticket, true));
  }

  private openFor(waiter: Waiter<S>): void {
    this.open(waiter.creds).then(
      (session) => {
        session.lastUsed = Date.now();
        this.handOver(waiter, session);
      },
      (err: unknown) => {
        this.shares.ungrant(waiter.ticket);
        if (err instanceof CapReached && !waiter.done) {
          this.waiters.unshift(waiter); // first in line for the next free session
        } else if (!waiter.done) {
          waiter.done = true;
          clearTimeout(waiter.timer);
          waiter.reject(err instanceof Error ? err : new Error(String(err)));
        }
        this.pump();
      },
    );
  }

  /** Give a healthy session back. */
  release(session: S): void {
    const ticket = this.lent.get(session);
    if (ticket) {
      this.lent.delete(session);
      this.shares.ungrant(ticket);
    }
    if (session.closed || this.closing || this.total > this.limit) return this.discard(session);
    session.lastUsed = Date.now();
    this.idle.push(session);
    this.pump();
  }

  /** Close a session that must not be reused and let the next waiter have its place. */
  discard(session: S, serve = true): void {
    session.close();
    const ticket = this.lent.get(session);
    if (ticket) {
      this.lent.delete(session);
      this.shares.ungrant(ticket);
    }
    const i = this.idle.indexOf(session);
    if (i >= 0) this.idle.splice(i, 1);
    this.total--;
    if (serve) this.pump();
  }

  /** Keep `minIdle` sessions of a fixed-login site logged in, so that a burst does not pay logins. */
  private warm(): void {
    const { site } = this;
    if (this.closing || site.credentials !== 'fixed' || site.minIdle <= 0 || Date.now() < this.warmAfter) return;
    const creds = { user: site.user, password: site.password };
    const key = credentialKey(site.name, creds);
    const have = this.idle.filter((s) => s.key === key).length + this.warming;
    for (let n = Math.min(site.minIdle, this.limit) - have; n > 0 && this.total < this.limit && this.waiters.length === 0; n--) {
      this.warming++;
      this.open(creds).then(
        (session) => {
          this.warming--;
          session.lastUsed = Date.now();
          this.idle.push(session);
          if (this.closing) this.discard(session, false);
          else this.pump();
        },
        (err: unknown) => {
          this.warming--;
          this.warmAfter = Date.now() + site.idleTimeoutMs; // not again soon: the server may be down
          this.log.debug({ site: site.name, err: err instanceof Error ? err.message : String(err) }, 'could not warm the pool');
          this.pump();
        },
      );
    }
  }

  private sweep(): void {
    this.throttle.prune();
    const now = Date.now();
    for (const session of [...this.idle]) {
      if (session.closed || now - session.lastUsed > this.site.idleTimeoutMs) this.discard(session, false);
    }
    this.warm();
  }

  /** Stop lending, refuse waiters, say QUIT to idle sessions. Sessions in use close on release. */
  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.sweeper);
    for (const waiter of this.waiters.splice(0)) {
      waiter.done = true;
      clearTimeout(waiter.timer);
      waiter.reject(new PoolClosedError('the gateway is shutting down'));
    }
    const idle = this.idle.splice(0);
    this.total -= idle.length;
    await Promise.all(idle.map((s) => s.quit()));
  }
}
