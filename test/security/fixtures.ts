// Shared set-up for the security suite: a scripted FTP server on a temporary folder (it records
// every command, so a test can prove that none was sent) and a users file with bcrypt hashes.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request as httpRequest } from 'node:http';
import bcrypt from 'bcryptjs';
import { startScriptedServer, type ScriptedServer } from '../servers/scripted-ftp-server.js';

export const FTP_USER = 'ftpteam';
export const FTP_PASSWORD = 'Ftp-S3cret-Value';

export interface Disk {
  root: string;
  server: ScriptedServer;
  close(): Promise<void>;
}

export async function startDisk(files: Record<string, string>): Promise<Disk> {
  const root = await mkdtemp(join(tmpdir(), 'ftpgate-sec-'));
  for (const [path, content] of Object.entries(files)) {
    const full = join(root, path);
    await mkdir(join(full, '..'), { recursive: true });
    if (path.endsWith('/')) await mkdir(full, { recursive: true });
    else await writeFile(full, content);
  }
  const server = await startScriptedServer({ root, user: FTP_USER, password: FTP_PASSWORD });
  return {
    root,
    server,
    close: async () => {
      await server.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}

export interface UserSpec {
  name: string;
  password: string;
  sites: string[];
  root?: string;
  readOnly?: boolean;
}

/** A users file (YAML) in `dir`; hashes at bcrypt's lowest cost to keep the suite fast. */
export async function writeUsersFile(dir: string, users: UserSpec[], ftpPasswordFile?: string): Promise<string> {
  const path = join(dir, 'users.yaml');
  const entries = users.map((u) => ({
    name: u.name,
    passwordHash: bcrypt.hashSync(u.password, 4),
    sites: u.sites,
    ftpUser: FTP_USER,
    ...(ftpPasswordFile ? { ftpPasswordFile } : { ftpPassword: FTP_PASSWORD }),
    ...(u.root ? { root: u.root } : {}),
    ...(u.readOnly ? { readOnly: true } : {}),
  }));
  await writeFile(path, JSON.stringify({ users: entries }, null, 2));
  return path;
}

/** Commands the server received since `mark` (an index into server.commands). */
export function commandsSince(server: ScriptedServer, mark: number): string[] {
  return server.commands.slice(mark);
}

/** An HTTP request sent exactly as given (path, headers), unlike fetch which normalizes. */
export function raw(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string | number> = {},
  body?: string | Buffer,
): Promise<{ status: number; headers: import('node:http').IncomingHttpHeaders; body: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method, path, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
