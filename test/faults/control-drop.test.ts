// Long downloads whose control connection is lost on the way, as a NAT or firewall that forgets
// idle TCP connections does (rclone #5328): a proxy in front of the FTP server's control port
// silently drops a connection (no FIN, no RST, nothing forwarded any more) during a RETR, so the
// 226 never arrives. It forgets it as soon as the RETR's 1xx reply has gone through, not after
// an idle second: a server whose whole file fits in the two kernels' socket buffers (tcp_rmem
// allows 32 MiB here) sends its 226 at once, and a NAT that waited would have let it through
// (a CI run under load, 2026-12-07). The transfer is slowed by a bandwidth limit. A download whose bytes match the listed size is complete (200, right bytes, a
// complete copy); one that falls short of it fails. The data connection goes to the server
// directly (EPSV names only a port, at the control connection's peer address).
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { stat, truncate, writeFile, chown, readFile } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureByName, inProcessServer, siteUrl, type FtpFixture } from '../helpers/ftp-servers.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { bytes, sha256 } from '../helpers/http.js';

/** The NAT: forwards the control connection, and forgets it once a RETR's 1xx reply went through. */
async function forgetfulNat(target: { host: string; port: number }): Promise<{ port: number; dropped: () => number; close(): void }> {
  let dropped = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(target);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => sockets.delete(s));
    }
    let forgotten = false;
    let inRetr = false;
    client.on('data', (d: Buffer) => {
      if (forgotten) return;
      if (/^RETR /m.test(d.toString('latin1'))) inRetr = true;
      upstream.write(d);
    });
    upstream.on('data', (d: Buffer) => {
      if (forgotten) return;
      const text = d.toString('latin1');
      if (inRetr && /^[45]\d\d /m.test(text)) inRetr = false; // refused: no transfer to cut
      const started = inRetr ? /^1\d\d [^\n]*\n/m.exec(text) : null;
      if (!started) {
        client.write(d);
        return;
      }
      // The transfer has started: its 1xx reply goes through, nothing after it (a 226 in the
      // same packet included).
      client.write(d.subarray(0, started.index + started[0].length));
      forgotten = true;
      dropped++;
    });
    client.on('end', () => !forgotten && upstream.end());
    upstream.on('end', () => !forgotten && client.end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    dropped: () => dropped,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

/** This process's established TCP connections: ports and whether the keepalive timer runs (Linux). */
function ownConnections(): Array<{ local: number; remote: number; keepalive: boolean }> {
  const inodes = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // closed meanwhile
    }
  }
  const out = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== '01' || !inodes.has(f[9]!)) continue; // 01: ESTABLISHED
      const port = (a: string) => parseInt(a.split(':')[1]!, 16);
      out.push({ local: port(f[1]!), remote: port(f[2]!), keepalive: f[5]!.startsWith('02:') }); // timer 2: keepalive
    }
  }
  return out;
}

const servers = [fixtureByName('vsftpd'), inProcessServer].filter((f) => f !== undefined);

describe.each(servers.map((f) => [f.name, f] as const))('control connection lost during a slow download (%s)', (_name, factory) => {
  let ftp: FtpFixture;
  let nat: Awaited<ReturnType<typeof forgetfulNat>>;
  let gw: TestGateway;
  // ~4 s at 2 MiB/s: a transfer still running while the tests look at its connections.
  const content = bytes(8 * 1024 * 1024, 71);
  const api = (action: string, path = '') => `${gw.base}/api/v1/sites/slow/${action}/${path}`;

  const put = async (name: string, data: Buffer) => {
    await writeFile(join(ftp.root, name), data);
    const owner = await stat(ftp.root);
    await chown(join(ftp.root, name), owner.uid, owner.gid);
  };

  beforeAll(async () => {
    ftp = await factory.start();
    await put('long.bin', content);
    await put('shrinks.bin', content);
    const real = new URL(ftp.url);
    nat = await forgetfulNat({ host: real.hostname, port: Number(real.port) });
    const viaNat = new URL(siteUrl(ftp));
    viaNat.port = String(nat.port);
    viaNat.searchParams.set('downloadLimit', '2MiB');
    viaNat.searchParams.set('commandTimeout', '2000');
    viaNat.searchParams.set('listingCacheTtl', '60000');
    // The copy's target: the same server, directly (only the RETR crosses the NAT).
    gw = await startGateway({ slow: viaNat.toString(), direct: siteUrl(ftp) });
  });
  afterAll(async () => {
    await gw?.close();
    nat?.close();
    await ftp?.close();
  });

  it('a download whose every listed byte arrived is complete: 200 and the right bytes', async () => {
    const before = nat.dropped();
    const res = await fetch(api('files', 'long.bin'));
    expect(res.status).toBe(200);
    const body = Buffer.from(await res.arrayBuffer());
    expect(sha256(body)).toBe(sha256(content));
    expect(nat.dropped()).toBeGreaterThan(before); // the 226 really was lost
  });

  it('the control and data connections of a download run TCP keepalive (vsftpd: the server is another process)', async (ctx) => {
    if (factory.name !== 'vsftpd') return ctx.skip();
    const res = await fetch(api('files', 'long.bin'));
    const reader = res.body!.getReader();
    await reader.read(); // the transfer runs
    await new Promise((r) => setTimeout(r, 300));
    const ftpPort = Number(new URL(ftp.url).port);
    const gwPort = Number(new URL(gw.base).port);
    const connections = () => {
      const mine = ownConnections();
      const control = mine.filter((c) => c.remote === nat.port);
      const data = mine.filter((c) => ![nat.port, gwPort, ftpPort].includes(c.remote) && ![nat.port, gwPort].includes(c.local));
      return { control, data };
    };
    // A session the pool opens meanwhile (to keep one idle while this download holds one) gets
    // its keepalive once logged in: look again for a while before judging.
    let { control, data } = connections();
    for (let i = 0; i < 30 && !control.every((c) => c.keepalive); i++) {
      await new Promise((r) => setTimeout(r, 100));
      ({ control, data } = connections());
    }
    expect(control.length).toBeGreaterThan(0);
    expect(data.length).toBe(1);
    expect(control.every((c) => c.keepalive)).toBe(true);
    expect(data[0]!.keepalive).toBe(true);
    await reader.cancel();
  });

  it('a copy to another site reads the whole file and lands complete', async () => {
    const before = nat.dropped();
    const res = await fetch(`${gw.base}/api/v1/sites/slow/copy`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ from: '/long.bin', to: '/copied.bin', toSite: 'direct' }),
    });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(sha256(await readFile(join(ftp.root, 'copied.bin')))).toBe(sha256(content));
    expect(nat.dropped()).toBeGreaterThan(before);
  });

  it('a download that falls short of the listed size fails, although the data connection ended cleanly', async () => {
    const listed = await fetch(api('list'));
    expect(JSON.stringify(await listed.json())).toContain(`"size":${content.length}`); // the size is cached
    await truncate(join(ftp.root, 'shrinks.bin'), content.length - 64 * 1024);
    const res = await fetch(api('files', 'shrinks.bin'));
    let failed = false;
    let got = 0;
    try {
      got = (await res.arrayBuffer()).byteLength;
    } catch {
      failed = true;
    }
    expect(failed || res.status >= 500, `got ${got} bytes with status ${res.status}`).toBe(true);
  });
});
