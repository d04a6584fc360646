// Small helpers shared by the benchmark: statistics, formatting, processes, ports.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { loadavg } from 'node:os';

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function median(xs) {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Nearest-rank percentile (p in 0..100). */
export function percentile(xs, p) {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

export function fmtSize(bytes) {
  if (bytes >= GiB) return `${+(bytes / GiB).toFixed(2)} GiB`;
  if (bytes >= MiB) return `${+(bytes / MiB).toFixed(1)} MiB`;
  return `${+(bytes / KiB).toFixed(1)} KiB`;
}

export function fmtRate(bytesPerSec) {
  return bytesPerSec >= GiB ? `${(bytesPerSec / GiB).toFixed(2)} GiB/s` : `${(bytesPerSec / MiB).toFixed(0)} MiB/s`;
}

export const fmtMs = (ms) => (ms >= 100 ? `${ms.toFixed(0)} ms` : `${ms.toFixed(2)} ms`);

export function load() {
  const [a, b, c] = loadavg();
  return `${a.toFixed(2)} ${b.toFixed(2)} ${c.toFixed(2)}`;
}

/** A free TCP port on 127.0.0.1 (closed again before it is returned). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Run a command to completion with a hard time limit; resolves with its output and exit code
 * (never rejects on a non-zero exit; rejects only when it cannot start or runs too long).
 */
export function run(cmd, args, { timeoutMs = 300_000, env, cwd, input } = {}) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(cmd, args, { env: env ?? process.env, cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d.length > 10_000 ? d.slice(-10_000) : d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.slice(0, 3).join(' ')}... ran over ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr, ms });
    });
    if (input !== undefined) child.stdin.end(input);
    else child.stdin.end();
  });
}

/** Wait until `probe()` resolves truthy, polling, for at most `ms`. */
export async function waitFor(what, probe, ms = 15_000, every = 100) {
  const until = Date.now() + ms;
  let last;
  for (;;) {
    try {
      if (await probe()) return;
    } catch (err) {
      last = err; // not yet
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${last ? ` (last: ${last.message}${last.cause ? `: ${last.cause.message}` : ''})` : ''}`);
    await sleep(every);
  }
}

/** Rotate `items` by `round` so that no contender always runs first (or last). */
export function rotated(items, round) {
  const k = round % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}
