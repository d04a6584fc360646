// Graceful shutdown: stop accepting connections, let running requests (transfers) finish for up
// to `timeoutMs`, cut whatever is still running after that, then QUIT the pooled FTP sessions.
import type { FastifyInstance } from 'fastify';
import type { RemoteFs } from '../core/remote-fs.js';

export interface ShutdownOptions {
  app: FastifyInstance;
  fs: RemoteFs;
  timeoutMs: number;
  log: { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void };
  /** Also closed at the end (e.g. the embedded demo FTP server). */
  also?: () => Promise<void>;
}

/** Resolves with `forced: true` when running requests had to be cut at the time limit. */
export async function gracefulShutdown({ app, fs, timeoutMs, log, also }: ShutdownOptions): Promise<{ forced: boolean }> {
  let forced = false;
  const started = Date.now();
  const limit = setTimeout(() => {
    forced = true;
    log.warn({ timeoutMs }, 'shutdown time limit reached: cutting the requests still running');
    app.server.closeAllConnections();
  }, timeoutMs);
  try {
    // server.close(): the listening socket closes at once (new connections are refused), idle
    // keep-alive connections are closed, and this resolves when the running requests are done.
    await app.close();
  } finally {
    clearTimeout(limit);
  }
  await fs.close(); // QUIT to the pooled sessions, now all idle
  await also?.();
  log.info({ ms: Date.now() - started, forced }, 'shut down');
  return { forced };
}

/**
 * Run `stop` on the first SIGTERM or SIGINT, then exit with its code. A second signal while
 * stopping exits at once (code 1), for an operator who does not want to wait.
 */
export function onShutdownSignals(stop: (signal: NodeJS.Signals) => Promise<number>): void {
  let stopping = false;
  const handle = (signal: NodeJS.Signals) => {
    if (stopping) {
      process.exit(1);
    }
    stopping = true;
    stop(signal).then(
      (code) => process.exit(code),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', handle);
  process.on('SIGINT', handle);
}
