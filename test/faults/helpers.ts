// Shared bits of the fault tests: seeding a run folder on a fixture's disk, polling, raw HTTP.
import { chmod, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import type { FtpFixture } from '../helpers/ftp-servers.js';
import type { TestGateway } from '../helpers/gateway.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll `check` every `every` ms until it is true or `ms` have passed; returns its last value. */
export async function waitFor(check: () => boolean | Promise<boolean>, ms = 5000, every = 50): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > until) return false;
    await sleep(every);
  }
}

/** A fresh folder for one test file on the fixture's disk, writable by the FTP account. */
export async function runFolder(ftp: FtpFixture, tag: string): Promise<{ name: string; dir: string; remove(): Promise<void> }> {
  const name = `${tag}-${process.pid}-${Date.now().toString(36)}`;
  const dir = join(ftp.root, name);
  await mkdir(dir, { mode: 0o777 });
  await chmod(dir, 0o777);
  return { name, dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export async function seedFile(dir: string, name: string, content: string | Buffer): Promise<void> {
  await writeFile(join(dir, name), content);
}

export const tempFiles = async (dir: string) => (await readdir(dir)).filter((n) => n.startsWith('.ftpgate-upload-'));

/** Nothing borrowed from the pool: every open session is idle. */
export function poolQuiet(gw: TestGateway, site: string): boolean {
  const s = gw.fs.poolStats(site);
  return s.open === s.idle && s.waiting === 0;
}

/** A PUT whose body we write by hand, to cut it off at a chosen point. */
export function openPut(url: string, length: number): { req: ClientRequest; response: Promise<IncomingMessage | Error> } {
  const target = new URL(url);
  const req = request({
    host: target.hostname,
    port: target.port,
    path: target.pathname + target.search,
    method: 'PUT',
    headers: { 'content-length': length },
  });
  const response = new Promise<IncomingMessage | Error>((resolve) => {
    req.on('response', resolve);
    req.on('error', resolve);
  });
  return { req, response };
}

/** GET a body fully with node:http, reporting whether it completed or was cut. */
export function getRaw(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer; complete: boolean; error?: string }> {
  const target = new URL(url);
  return new Promise((resolve) => {
    const req = request({ host: target.hostname, port: target.port, path: target.pathname + target.search, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      const done = (error?: string) =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), complete: res.complete, ...(error ? { error } : {}) });
      res.on('end', () => done());
      res.on('error', (e) => done(e.message));
      res.on('aborted', () => done('aborted'));
    });
    req.on('error', (e) => resolve({ status: 0, headers: {}, body: Buffer.alloc(0), complete: false, error: e.message }));
    req.end();
  });
}
