// The session pool with fake sessions (its factory is a parameter): requests queue past poolSize
// and time out there, errors keep or drop a session as they should, commands always find a
// session, one client holds only its share for transfers, waiters are served fairly, a
// server's connection cap is learned (and tried again later), stale sessions are retried once,
// and a fixed-login site is warmed ahead of need.
import { afterEach, describe, expect, it } from 'vitest';
import { siteSchema, type SiteConfig } from '../../src/config/schema.js';
import { currentClient, runAsClient } from '../../src/core/client-context.js';
import { FtpConnectionError, FtpReplyError, PoolTimeoutError } from '../../src/ftp/errors.js';
import { SessionPool, type PoolSession } from '../../src/ftp/pool.js';
import { credentialKey } from '../../src/core/login-key.js';
import { TransferStream, type ReadHandle } from '../../src/ftp/session.js';
import { noRelease } from '../../src/ftp/transfer-stream.js';
import type { Credentials } from '../../src/core/types.js';

const silent = { debug() {}, warn() {} };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A server that takes `cap` connections at once and answers 421 past that. */
class FakeServer {
  open = 0;
  logins = 0;
  refusals = 0;
  readonly sessions: FakeSession[] = [];
  constructor(public cap = Infinity) {}
  factory = (site: string) => async (creds: Credentials): Promise<FakeSession> => {
    await sleep(1);
    if (this.open >= this.cap) {
      this.refusals++;
      throw new FtpReplyError(421, 'There are too many connected users, please try later.');
    }
    this.open++;
    this.logins++;
    const session = new FakeSession(this, credentialKey(site, creds));
    this.sessions.push(session);
    return session;
  };
}

class FakeSession implements PoolSession {
  lastUsed = Date.now();
  closed = false;
  noopFails = false;
  /** The next read fails before its first byte, as on a connection the server dropped. */
  readFails = false;
  constructor(
    private readonly server: FakeServer,
    readonly key: string,
  ) {}
  async noop(): Promise<void> {
    if (this.noopFails) throw new FtpConnectionError('gone');
  }
  close(): void {
    if (!this.closed) this.server.open--;
    this.closed = true;
  }
  async quit(): Promise<void> {
    this.close();
  }
  read(): ReadHandle {
    if (this.readFails) {
      this.close();
      const failed = Promise.reject(new FtpConnectionError('Server sent FIN packet unexpectedly'));
      failed.catch(() => {});
      return { stream: new TransferStream(), started: failed, finished: Promise.resolve() };
    }
    const stream = new TransferStream();
    stream.offer(Buffer.from('x'), noRelease, () => {});
    stream.finish();
    return { stream, started: Promise.resolve(), finished: new Promise<void>((r) => stream.on('end', r)) };
  }
}

function site(options: Record<string, unknown> = {}): SiteConfig {
  return siteSchema.parse({ name: 't', host: '127.0.0.1', user: 'u', password: 'p', minIdle: 0, ...options });
}

const creds = { user: 'u', password: 'p' };

/** A promise and the function that settles it. */
function gate(): { wait: Promise<void>; open(): void } {
  let open!: () => void;
  const wait = new Promise<void>((r) => (open = r));
  return { wait, open };
}

const pools: SessionPool<FakeSession>[] = [];
function pool(server: FakeServer, options: Record<string, unknown> = {}): SessionPool<FakeSession> {
  const config = site(options);
  const p = new SessionPool<FakeSession>(config, silent, server.factory(config.name), currentClient); // as the FTP back end wires it
  pools.push(p);
  return p;
}
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

describe('session pool queueing', () => {
  it('queues requests beyond poolSize and serves them in turn, never opening more than poolSize', async () => {
    const server = new FakeServer();
    const p = pool(server, { poolSize: 2, queueTimeoutMs: 2000 });
    let peak = 0;
    const order: number[] = [];
    const results = await Promise.all(
      Array.from({ length: 7 }, (_, i) =>
        p.run(creds, async () => {
          peak = Math.max(peak, server.open);
          order.push(i);
          await sleep(10);
          return i;
        }),
      ),
    );
    expect(results).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(peak).toBe(2);
    expect(server.logins).toBe(2); // the queued requests reused the two sessions
    expect(order.slice(2)).toEqual([2, 3, 4, 5, 6]); // first come, first served
    expect(p.stats()).toMatchObject({ open: 2, idle: 2, waiting: 0 });
  });

  it('fails a queued request with PoolTimeoutError after queueTimeoutMs, and serves the next one', async () => {
    const server = new FakeServer();
    const p = pool(server, { poolSize: 1, queueTimeoutMs: 100 });
    const hold = gate();
    const busy = p.run(creds, () => hold.wait);
    await expect(p.run(creds, async () => 'late')).rejects.toBeInstanceOf(PoolTimeoutError);
    expect(p.stats().waiting).toBe(0);
    hold.open();
    await busy;
    await expect(p.run(creds, async () => 'next')).resolves.toBe('next');
  });
});

describe('session pool errors', () => {
  it('keeps a session after a plain reply error, and closes one whose connection failed', async () => {
    const server = new FakeServer();
    const p = pool(server, { poolSize: 2 });
    await expect(p.run(creds, () => Promise.reject(new FtpReplyError(550, 'No such file')))).rejects.toMatchObject({ code: 550 });
    expect(p.stats()).toMatchObject({ open: 1, idle: 1 });
    await expect(p.run(creds, () => Promise.reject(new FtpConnectionError('ECONNRESET')))).rejects.toBeInstanceOf(FtpConnectionError);
    expect(p.stats()).toMatchObject({ open: 0, idle: 0 });
    expect(server.open).toBe(0);
  });

  it('never lends again a pooled session the server dropped with 421', async () => {
    const server = new FakeServer();
    const p = pool(server, { poolSize: 2 });
    await p.run(creds, async () => 'warm');
    await expect(p.run(creds, () => Promise.reject(new FtpReplyError(421, 'Timeout.')))).rejects.toMatchObject({ code: 421 });
    expect(p.stats().open).toBe(0);
    expect(server.open).toBe(0);
  });

  it('does not retry a change on a stale session (it may have reached the server)', async () => {
    const server = new FakeServer();
    const p = pool(server, { poolSize: 2 });
    await p.run(creds, async () => 'warm');
    let calls = 0;
    const write = p.run(creds, async () => {
      calls++;
      throw new FtpConnectionError('Server sent FIN packet unexpectedly');
    });
    await expect(write).rejects.toBeInstanceOf(FtpConnectionError);
    expect(calls).toBe(1);
  });

  it('retries a download once on a fresh session when the pooled one was stale', async () => {
    const server = new FakeServer();
    const p = pool(server, { poolSize: 2 });
    await p.run(creds, async () => 'warm');
    const [pooled] = server.sessions;
    pooled!.readFails = true;
    const stream = await p.read(creds, '/f');
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('x');
    expect(server.logins).toBe(2);
    expect(pooled!.closed).toBe(true);
  });
});

describe('session pool shares', () => {
  it('keeps a session for short commands while transfers hold the rest', async () => {
    const server = new FakeServer();
    const p = pool(server, { poolSize: 4, clientShare: 1, queueTimeoutMs: 300 });
    const hold = gate();
    const transfers = Array.from({ length: 6 }, () => runAsClient('A', () => p.run(creds, () => hold.wait, { transfer: true })));
    await sleep(20);
    expect(p.stats().transfers).toBe(3); // 4 sessions: 3 for transfers, 1 kept for commands
    const started = Date.now();
    await p.run(creds, async () => 'listed');
    expect(Date.now() - started).toBeLessThan(100);
    hold.open();
    await Promise.all(transfers);
  });

  it('lets one client hold only its share of the sessions for transfers', async () => {
    const server = new FakeServer();
    const p = pool(server, { poolSize: 8, queueTimeoutMs: 400 });
    const hold = gate();
    // Each request has its own context, as each HTTP request has.
    const greedy = Array.from({ length: 10 }, () =>
      runAsClient('10.0.0.1', () => p.run(creds, () => hold.wait, { transfer: true }).then(() => 'ok', (e: Error) => e)),
    );
    await sleep(20);
    expect(p.stats().transfers).toBe(4); // half of 8
    expect(p.stats().waiting).toBe(6);
    // Another client's transfer starts at once.
    const started = Date.now();
    await runAsClient('10.0.0.2', () => p.run(creds, async () => 'mine', { transfer: true }));
    expect(Date.now() - started).toBeLessThan(100);
    // The greedy client's extra requests time out in the queue (503 upstream); its first four finish.
    await sleep(450);
    hold.open();
    const results = await Promise.all(greedy);
    expect(results.filter((r) => r === 'ok')).toHaveLength(4);
    expect(results.filter((r) => r instanceof PoolTimeoutError)).toHaveLength(6);
  });

  it('serves the waiting client that holds fewest sessions first', async () => {
    const server = new FakeServer();
    const p = pool(server, { poolSize: 5, clientShare: 1, queueTimeoutMs: 2000 });
    const holds = Array.from({ length: 6 }, () => gate());
    const order: string[] = [];
    const a = holds.map((h, i) =>
      runAsClient('A', () =>
        p.run(creds, async () => {
          order.push(`A${i}`);
          await h.wait;
        }, { transfer: true }),
      ),
    );
    await sleep(20);
    expect(order).toEqual(['A0', 'A1', 'A2', 'A3']);
    const b = runAsClient('B', () => p.run(creds, async () => void order.push('B'), { transfer: true }));
    await sleep(20);
    holds[0]!.open();
    await b;
    expect(order).toEqual(['A0', 'A1', 'A2', 'A3', 'B']); // B came after A4 and A5, and went first
    for (const h of holds) h.open();
    await Promise.all(a);
    expect(order.slice(5).sort()).toEqual(['A4', 'A5']);
  });

  it('does not make a nested transfer (a copy) wait for its own request', async () => {
    const server = new FakeServer();
    const p = pool(server, { poolSize: 2, queueTimeoutMs: 300 }); // one transfer slot, one per client
    const result = await runAsClient('C', () =>
      p.run(creds, () => p.run(creds, async () => 'written', { transfer: true }), { transfer: true }),
    );
    expect(result).toBe('written');
  });
});

describe("learning a server's connection cap", () => {
  it('queues past a cap of 3 instead of failing: 12 parallel transfers all succeed', async () => {
    const server = new FakeServer(3);
    const p = pool(server, { poolSize: 8, clientShare: 1, queueTimeoutMs: 3000 });
    const results = await Promise.all(
      Array.from({ length: 12 }, () =>
        p.run(creds, async () => {
          await sleep(30);
          return 'ok';
        }, { transfer: true }).catch((e: Error) => e),
      ),
    );
    expect(results.filter((r) => r === 'ok')).toHaveLength(12);
    expect(p.stats().learnedLimit).toBe(3);
    expect(p.stats().limit).toBe(3);
    expect(server.open).toBeLessThanOrEqual(3);
  });

  it('tries one more session after capRetryMs and raises the limit when the server takes it', async () => {
    const server = new FakeServer(2);
    const p = pool(server, { poolSize: 8, clientShare: 1, capRetryMs: 1000, queueTimeoutMs: 3000 });
    const burst = () => Promise.all(Array.from({ length: 6 }, () => p.run(creds, () => sleep(20))));
    await burst();
    expect(p.stats().learnedLimit).toBe(2);
    server.cap = 3;
    await burst(); // too early (within capRetryMs of the refusal): no probe
    expect(p.stats().learnedLimit).toBe(2);
    await sleep(1100);
    await burst();
    expect(p.stats().learnedLimit).toBe(3);
  });

  it('fails a request only when the site has no session at all', async () => {
    const server = new FakeServer(0);
    const p = pool(server, { poolSize: 4 });
    await expect(p.run(creds, async () => 'never')).rejects.toMatchObject({ code: 421 });
    expect(server.refusals).toBe(4); // the first try and three retries with back-off
    expect(p.stats().open).toBe(0);
  });
});

describe('pool housekeeping', () => {
  it('retries a read-only command once on a fresh session when the pooled one was stale', async () => {
    const server = new FakeServer();
    const p = pool(server, { poolSize: 2 });
    await p.run(creds, async () => 'warm');
    let calls = 0;
    const result = await p.run(
      creds,
      async () => {
        if (calls++ === 0) throw new FtpConnectionError('Server sent FIN packet unexpectedly');
        return 'fresh';
      },
      { retryOnStale: true },
    );
    expect(result).toBe('fresh');
    expect(server.logins).toBe(2);
  });

  it('keeps minIdle sessions of a fixed-login site logged in, at start and after idle', async () => {
    const server = new FakeServer();
    const p = pool(server, { minIdle: 2, idleTimeoutMs: 300 });
    await sleep(50);
    expect(p.stats().idle).toBe(2);
    expect(server.logins).toBe(2);
    await sleep(700); // past the idle timeout: closed, and two fresh ones opened
    expect(p.stats().idle).toBe(2);
    expect(server.logins).toBeGreaterThanOrEqual(4);
    expect(server.open).toBe(2);
  });

  it('does not warm a pass-through site (no credentials before a request)', async () => {
    const server = new FakeServer();
    pool(server, { minIdle: 2, credentials: 'pass-through' });
    await sleep(50);
    expect(server.logins).toBe(0);
  });
});

