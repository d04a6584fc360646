// The gateway as users run it: `node dist/cli.js` in a child process, so that a test can read
// its memory (VmRSS from /proc) and see it crash. Needs a build (`npm run build`; npm test's
// pretest does it).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
export const cliBuilt = existsSync(CLI);

export interface ChildGateway {
  base: string;
  pid: number;
  proc: ChildProcess;
  /** Everything the gateway wrote to stderr so far. */
  stderr(): string;
  /** Resident memory in bytes (VmRSS). */
  rss(): number;
  alive(): boolean;
  close(): Promise<void>;
}

/** sites: name → site URL. Resolves once the gateway listens. */
export async function startChildGateway(sites: Record<string, string>, env: NodeJS.ProcessEnv = {}): Promise<ChildGateway> {
  if (!cliBuilt) throw new Error(`${CLI} is missing: run "npm run build" first`);
  const args = [CLI, '--listen', '127.0.0.1:0', '--log-level', process.env.FTPGATE_TEST_LOG ?? 'warn'];
  for (const [name, url] of Object.entries(sites)) args.push('--site', `${name}=${url}`);
  // Its own state folder, unless the test gives one: gateways under test never share state.
  const dataDir = env.FTPGATE_DATA_DIR === undefined ? mkdtempSync(join(tmpdir(), 'ftpgate-child-')) : undefined;
  const proc = spawn(process.execPath, args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...(dataDir ? { FTPGATE_DATA_DIR: dataDir } : {}), ...env },
  });
  if (dataDir) proc.once('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  let err = '';
  proc.stderr!.setEncoding('utf8');
  proc.stderr!.on('data', (c: string) => (err += c));
  let exited = false;
  const exit = new Promise<void>((resolve) => proc.once('exit', () => ((exited = true), resolve())));
  const base = await new Promise<string>((resolve, reject) => {
    // Generous: under the whole suite on 2 cores a start has taken more than 15 s.
    const timer = setTimeout(() => reject(new Error(`gateway did not start: ${err}`)), 45_000);
    const check = () => {
      const m = /listening on (http:\/\/[^\s/]+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        proc.stderr!.off('data', check);
        resolve(m[1]!);
      }
    };
    proc.stderr!.on('data', check);
    void exit.then(() => {
      clearTimeout(timer);
      reject(new Error(`gateway exited at start: ${err}`));
    });
  });
  return {
    base,
    pid: proc.pid!,
    proc,
    stderr: () => err,
    rss: () => {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${proc.pid}/status`, 'utf8'));
      return Number(m![1]) * 1024;
    },
    alive: () => !exited,
    close: async () => {
      if (exited) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exit;
      clearTimeout(timer);
    },
  };
}
