// After a plain passive download, a session opens the next download's data connection while it
// is still lent (EPSV/PASV and the connect), so the next download sends RETR at once. The
// connection belongs to the next download only: any other command or transfer closes it first,
// a TLS session never opens one, and bytes a server sends on it before any RETR are never
// taken for a file's.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig, type SiteConfig } from '../../src/config/schema.js';
import { parseSiteUrl } from '../../src/config/site-url.js';
import type { DataMemory } from '../../src/ftp/data-mode.js';
import { FtpSession, type ReadHandle } from '../../src/ftp/session.js';
import type { ByteRange } from '../../src/core/types.js';
import { ftpServers, siteUrl, type FtpFixture } from '../helpers/ftp-servers.js';
import { startScriptedServer, type ScriptedServer } from '../servers/scripted-ftp-server.js';

const PASSIVE = /^> (EPSV|PASV)$/;

function siteOf(url: string): SiteConfig {
  return validateConfig({ listen: { host: '127.0.0.1', port: 0 }, sites: [parseSiteUrl('p', url)] }).sites[0]!;
}

/** A session that records the commands it sends ("> RETR /x"). */
async function openSession(site: SiteConfig, memory: DataMemory = {}): Promise<{ session: FtpSession; sent: string[] }> {
  const sent: string[] = [];
  const log = {
    debug: (obj: object) => {
      const line = (obj as { ftp?: string }).ftp;
      if (line?.startsWith('> ')) sent.push(line);
    },
    warn: () => {},
  };
  const session = await FtpSession.open(site, { user: site.user, password: site.password }, memory, log);
  return { session, sent };
}

/** Read a whole download as a stream consumer, and wait until the session is free again. */
async function readAll(session: FtpSession, path: string, range?: ByteRange): Promise<{ bytes: Buffer; handle: ReadHandle }> {
  const handle = session.read(path, range);
  await handle.started;
  const parts: Buffer[] = [];
  for await (const chunk of handle.stream) parts.push(chunk as Buffer);
  await handle.finished;
  return { bytes: Buffer.concat(parts), handle };
}

/** The commands sent from index `from` up to (not including) the first that matches `until`. */
function before(sent: string[], from: number, until: RegExp): string[] {
  const end = sent.findIndex((c, i) => i >= from && until.test(c));
  expect(end, `${until} sent after #${from}: ${sent.slice(from).join(', ')}`).toBeGreaterThanOrEqual(from);
  return sent.slice(from, end);
}

describe.each(ftpServers({ tls: true }))('a data connection opened ahead, on $name', (factory) => {
  let ftp: FtpFixture;
  let site: SiteConfig;
  let session: FtpSession;
  let sent: string[];
  const dir = `ahead-${process.pid}-${Date.now().toString(36)}`;
  const files = { a: randomBytes(70_000), b: randomBytes(5_000), c: randomBytes(3_000) };
  let tls = false;

  beforeAll(async () => {
    ftp = await factory.start();
    await mkdir(join(ftp.root, dir));
    await chmod(join(ftp.root, dir), 0o777);
    for (const [name, data] of Object.entries(files)) {
      await writeFile(join(ftp.root, dir, `${name}.bin`), data);
      await chmod(join(ftp.root, dir, `${name}.bin`), 0o666);
    }
    site = siteOf(siteUrl(ftp));
    tls = site.tls !== 'none';
    ({ session, sent } = await openSession(site));
  });

  afterAll(async () => {
    await session?.quit();
    await ftp?.close();
  });

  it('the next download sends RETR without a passive command of its own (plain FTP only), byte for byte', async () => {
    expect((await readAll(session, `/${dir}/a.bin`)).bytes.equals(files.a)).toBe(true);
    const mark = sent.length;
    const { bytes, handle } = await readAll(session, `/${dir}/b.bin`);
    expect(bytes.equals(files.b)).toBe(true);
    const between = before(sent, mark, /^> RETR /);
    if (tls) {
      expect(handle.usedPreopened).toBe(false);
      expect(between.filter((c) => PASSIVE.test(c))).toHaveLength(1); // its own EPSV, as before
    } else {
      expect(handle.usedPreopened).toBe(true);
      expect(between).toEqual([]);
    }
  });

  it('preopenData=0 opens none: each download makes its own', async () => {
    const off = await openSession(siteOf(siteUrl(ftp, '', { preopenData: 0 })));
    try {
      expect((await readAll(off.session, `/${dir}/a.bin`)).bytes.equals(files.a)).toBe(true);
      const mark = off.sent.length;
      const { bytes, handle } = await readAll(off.session, `/${dir}/b.bin`);
      expect(bytes.equals(files.b)).toBe(true);
      expect(handle.usedPreopened).toBe(false);
      expect(off.sent.slice(mark).filter((c) => PASSIVE.test(c))).toHaveLength(1);
    } finally {
      await off.session.quit();
    }
  });

  it('none is opened while requests wait for a session (the pool says so): the session goes back at once', async () => {
    session.othersWaiting = () => true;
    try {
      await readAll(session, `/${dir}/a.bin`);
      const mark = sent.length;
      const { bytes, handle } = await readAll(session, `/${dir}/b.bin`);
      expect(bytes.equals(files.b)).toBe(true);
      expect(handle.usedPreopened).toBe(false);
      expect(before(sent, mark, /^> RETR /).filter((c) => PASSIVE.test(c))).toHaveLength(1);
    } finally {
      session.othersWaiting = undefined;
    }
  });

  it('a range read takes it too (REST, then RETR)', async () => {
    await readAll(session, `/${dir}/c.bin`);
    const mark = sent.length;
    const { bytes } = await readAll(session, `/${dir}/a.bin`, { start: 1000, end: files.a.length - 1 });
    expect(bytes.equals(files.a.subarray(1000))).toBe(true);
    expect(before(sent, mark, /^> RETR /).filter((c) => PASSIVE.test(c))).toHaveLength(tls ? 1 : 0);
  });

  it('a listing after a download opens its own data connection and lists right', async () => {
    await readAll(session, `/${dir}/c.bin`);
    const mark = sent.length;
    const names = (await session.list(`/${dir}`)).map((e) => e.name).sort();
    expect(names).toEqual(['a.bin', 'b.bin', 'c.bin']);
    expect(before(sent, mark, /^> (LIST|MLSD)/).filter((c) => PASSIVE.test(c))).toHaveLength(1);
  });

  it('an upload after a download opens its own data connection and stores exactly its bytes', async () => {
    await readAll(session, `/${dir}/c.bin`);
    const mark = sent.length;
    const upload = randomBytes(40_000);
    expect(await session.write(`/${dir}/up.bin`, Readable.from([upload]))).toBe(upload.length);
    expect(before(sent, mark, /^> STOR /).filter((c) => PASSIVE.test(c))).toHaveLength(1);
    expect((await readFile(join(ftp.root, dir, 'up.bin'))).equals(upload)).toBe(true);
    expect((await readAll(session, `/${dir}/up.bin`)).bytes.equals(upload)).toBe(true);
  });

  it('another command in between closes it: the download makes a fresh one', async () => {
    await readAll(session, `/${dir}/c.bin`);
    await session.size(`/${dir}/b.bin`);
    const mark = sent.length;
    const { bytes, handle } = await readAll(session, `/${dir}/b.bin`);
    expect(bytes.equals(files.b)).toBe(true);
    expect(handle.usedPreopened).toBe(false);
    expect(before(sent, mark, /^> RETR /).filter((c) => PASSIVE.test(c))).toHaveLength(1);
  });
});

describe('a data connection opened ahead, on a server that writes to it before any RETR', () => {
  const file = randomBytes(20_000);
  let server: ScriptedServer;
  let session: FtpSession;
  let sent: string[];

  beforeAll(async () => {
    server = await startScriptedServer({ files: { '/f.bin': file, '/g.bin': file.subarray(0, 7_000) }, earlyData: { afterMs: 30, bytes: Buffer.from('NOT THE FILE') } });
    ({ session, sent } = await openSession(siteOf(`ftp://u:p@127.0.0.1:${server.port}/`)));
  });

  afterAll(async () => {
    await session?.quit();
    await server?.close();
  });

  it('closes it, and the next download gets the file, not those bytes', async () => {
    expect((await readAll(session, '/f.bin')).bytes.equals(file)).toBe(true);
    await new Promise((r) => setTimeout(r, 150)); // the early bytes arrive on the idle connection
    const mark = sent.length;
    const { bytes, handle } = await readAll(session, '/g.bin');
    expect(bytes.equals(file.subarray(0, 7_000))).toBe(true);
    expect(handle.usedPreopened).toBe(false);
    expect(before(sent, mark, /^> RETR /).filter((c) => PASSIVE.test(c))).toHaveLength(1);
    expect(session.closed).toBe(false);
  });
});

describe.each([
  { how: 'closes (FIN)', reset: false },
  { how: 'resets (RST)', reset: true },
])('a data connection opened ahead that the server $how while it waits', ({ reset }) => {
  const file = randomBytes(9_000);
  let server: ScriptedServer;
  let session: FtpSession;
  let sent: string[];

  beforeAll(async () => {
    server = await startScriptedServer({ files: { '/f.bin': file }, dropIdleData: { afterMs: 30, reset } });
    ({ session, sent } = await openSession(siteOf(`ftp://u:p@127.0.0.1:${server.port}/`)));
  });

  afterAll(async () => {
    await session?.quit();
    await server?.close();
  });

  it('leaves the session open, and the next download makes a fresh one', async () => {
    expect((await readAll(session, '/f.bin')).bytes.equals(file)).toBe(true);
    await new Promise((r) => setTimeout(r, 150));
    expect(session.closed).toBe(false);
    const mark = sent.length;
    const { bytes, handle } = await readAll(session, '/f.bin');
    expect(bytes.equals(file)).toBe(true);
    expect(handle.usedPreopened).toBe(false);
    expect(before(sent, mark, /^> RETR /).filter((c) => PASSIVE.test(c))).toHaveLength(1);
  });
});

describe('a data connection opened ahead and not used', () => {
  const file = randomBytes(4_000);
  let server: ScriptedServer;
  let session: FtpSession;

  beforeAll(async () => {
    server = await startScriptedServer({ files: { '/f.bin': file } });
    ({ session } = await openSession(siteOf(`ftp://u:p@127.0.0.1:${server.port}/`)));
  });

  afterAll(async () => {
    await session?.quit();
    await server?.close();
  });

  it('is closed after 5 s, the session kept', async () => {
    expect((await readAll(session, '/f.bin')).bytes.equals(file)).toBe(true);
    await new Promise((r) => setTimeout(r, 100));
    expect(server.passiveConnections()).toBe(1); // the one opened ahead
    await new Promise((r) => setTimeout(r, 5_200));
    expect(server.passiveConnections()).toBe(0);
    expect(session.closed).toBe(false);
    const { bytes, handle } = await readAll(session, '/f.bin');
    expect(bytes.equals(file)).toBe(true);
    expect(handle.usedPreopened).toBe(false);
  }, 15_000);
});
