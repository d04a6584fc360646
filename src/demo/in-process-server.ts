// An FTP server inside the gateway's process (ftp-srv), for the demo site and fast tests.
// ftp-srv is an optional dependency: it is only loaded here, for the demo when no site is
// configured; an install without it (--omit=optional) says so in one line instead.
import { unlink } from 'node:fs/promises';
import type { Logger } from 'pino';

export interface InProcessServer {
  url: string;
  port: number;
  close(): Promise<void>;
  /** Drop every client connection (tests use it to kill sessions mid-transfer). */
  dropConnections(): void;
}

/** ftp-srv is not installed: there is no demo to serve. */
export class DemoUnavailableError extends Error {}

export interface InProcessOptions {
  root: string;
  user: string;
  password: string;
  logger: Logger;
}

export async function startInProcessServer({ root, user, password, logger }: InProcessOptions): Promise<InProcessServer> {
  let FtpSrv: typeof import('ftp-srv').FtpSrv;
  let FileSystem: typeof import('ftp-srv').FileSystem;
  try {
    ({ FtpSrv, FileSystem } = await import('ftp-srv'));
  } catch {
    throw new DemoUnavailableError('the demo FTP server (the optional dependency ftp-srv) is not installed');
  }
  const signals = ['SIGTERM', 'SIGINT', 'SIGQUIT'] as const;
  const before = new Map(signals.map((s) => [s, new Set(process.listeners(s))]));
  const server = new FtpSrv({
    url: 'ftp://127.0.0.1:0',
    pasv_url: '127.0.0.1',
    pasv_min: 30000,
    pasv_max: 39999,
    anonymous: false,
    greeting: ['ftpgate demo FTP server'],
    log: logger as never,
  });
  // ftp-srv installs signal handlers that exit the process: the gateway owns shutdown.
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener);
    }
  }
  /**
   * ftp-srv removes the partial file of a broken STOR with a promise nobody handles: when the
   * gateway has already removed that temporary file, the ENOENT becomes an unhandled rejection.
   */
  class QuietFileSystem extends FileSystem {
    override write(fileName: string, options?: { append?: boolean; start?: number }) {
      const opened = super.write(fileName, options) as { stream: import('node:stream').Writable; clientPath: string };
      const fsPath = (this as unknown as { _resolvePath(p: string): { fsPath: string } })._resolvePath(fileName).fsPath;
      opened.stream.removeAllListeners('error');
      opened.stream.once('error', () => void unlink(fsPath).catch(() => {}));
      return opened;
    }
  }
  server.on('login', ({ connection, username, password: given }, resolve, reject) => {
    if (username === user && given === password) resolve({ root, fs: new QuietFileSystem(connection, { root, cwd: '/' }) });
    else reject(new Error('530 Login incorrect'));
  });
  await server.listen();
  const netServer = (server as unknown as { server: import('node:net').Server }).server;
  // Every accepted socket, so that close() can end those ftp-srv does not: net.Server.close()
  // waits for all of them, and a gateway that failed to start after its pool had connected to
  // the demo hung there for ever instead of exiting (2026-12-07).
  const sockets = new Set<import('node:net').Socket>();
  netServer.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const address = netServer.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const url = `ftp://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/`;
  return {
    url,
    port,
    close: async () => {
      const closing = server.close();
      // ftp-srv says goodbye to the clients it knows first; a second later what is left is cut.
      const cut = setTimeout(() => {
        for (const socket of sockets) socket.destroy();
      }, 1000);
      try {
        await closing;
      } finally {
        clearTimeout(cut);
      }
    },
    dropConnections: () => {
      const connections = (server as unknown as { connections: Record<string, { close(): unknown }> }).connections;
      for (const c of Object.values(connections)) void c.close();
    },
  };
}
