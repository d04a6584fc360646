// Active mode (EPRT, then PORT) as a basic-ftp transfer strategy; basic-ftp has none of its own.
// One listener per transfer, on the configured address and port range (never below 1024:
// Microsoft FTP 7.5 resets data connections from such ports, KB2505047). Only the control
// connection's peer may connect: anyone else is refused and logged, so that a third party
// cannot race the server for an upload's bytes or feed a download. The listener closes as
// soon as the server's connection arrives, or when the transfer ends, fails or times out.
//
// basic-ftp wants `ftp.dataSocket` in place when the strategy returns, but in active mode the
// server connects later (after RETR/STOR/LIST, before or after its 150 reply, or even before
// its 200 PORT reply as FTP 7.5 does). So the strategy leaves a stand-in behind: a Duplex that
// forwards to the accepted socket once it is there, with the few socket properties basic-ftp
// reads (byte counts for its watchdog and progress, addresses for its log).
import { createServer, isIPv6, type Server, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { connect as tlsConnect, TLSSocket } from 'node:tls';
import type { FTPContext, FTPResponse } from 'basic-ftp';
import { FTPError } from 'basic-ftp';
import { FtpConnectionError } from './errors.js';
import { keepAlive } from './keepalive.js';

type ActiveCommand = 'EPRT' | 'PORT';

/** What a site has taught us about active mode; shared by all sessions of that site. */
export interface ActiveMemory {
  activeCommand?: ActiveCommand;
}

export interface ActiveOptions {
  /** Where the data listener binds; default the control connection's local address. */
  listenAddress?: string;
  /** The address sent in EPRT/PORT (NAT); default the control connection's local address. */
  publicAddress?: string;
  /** Port range of the listener, both at least 1024; default an ephemeral port (checked >= 1024). */
  portMin?: number;
  portMax?: number;
  /** Site name, for log lines. */
  site?: string;
  log?: { warn(obj: object, msg?: string): void; debug(obj: object, msg?: string): void };
}

/** The lowest data port ever used (KB2505047). */
const MIN_DATA_PORT = 1024;

/** Replies that mean "this server will not do EPRT" (522: not that network protocol). */
const EPRT_REFUSALS = new Set([500, 501, 502, 504, 522, 550]);

let openListeners = 0;
/** Active-mode listeners open right now, across the process (tests, metrics: must return to 0). */
export function activeListenerCount(): number {
  return openListeners;
}

/** "::ffff:127.0.0.1" and "127.0.0.1" are the same peer. */
export function normalizeAddress(address: string | undefined): string | undefined {
  return address?.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1');
}

/** The EPRT argument (RFC 2428) for an address and port. */
export function eprtArgument(address: string, port: number): string {
  return `|${isIPv6(address) ? 2 : 1}|${address}|${port}|`;
}

/** The PORT argument (RFC 959): h1,h2,h3,h4,p1,p2; IPv4 only. */
export function portArgument(address: string, port: number): string {
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(address)) throw new FtpConnectionError(`PORT cannot carry the address ${address}`);
  return `${address.replace(/\./g, ',')},${port >> 8},${port & 255}`;
}

function listenOn(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => {
      server.off('listening', onListening);
      reject(err);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ host, port, exclusive: true });
  });
}

/** Bind a new listener on `host` with a port in [min, max], or an ephemeral port >= 1024. */
export async function listenInRange(host: string, min?: number, max?: number): Promise<{ server: Server; port: number }> {
  const server = createServer();
  if (min === undefined && max === undefined) {
    // The system's ephemeral range; a range configured down into the privileged ports is
    // not ours to use, so such a port is given back and another one tried.
    for (let attempt = 0; attempt < 8; attempt++) {
      await listenOn(server, host, 0);
      const port = (server.address() as { port: number }).port;
      if (port >= MIN_DATA_PORT) return { server, port };
      await new Promise((r) => server.close(r));
    }
    throw new FtpConnectionError(`no ephemeral port >= ${MIN_DATA_PORT} on ${host}: set activePortMin/activePortMax`);
  }
  const lo = Math.max(MIN_DATA_PORT, min ?? MIN_DATA_PORT);
  const hi = Math.min(65535, max ?? 65535);
  if (lo > hi) throw new FtpConnectionError(`empty active port range ${lo}-${hi}`);
  const span = hi - lo + 1;
  const first = Math.floor(Math.random() * span);
  for (let i = 0; i < span; i++) {
    const port = lo + ((first + i) % span);
    try {
      await listenOn(server, host, port);
      return { server, port };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EADDRINUSE' && code !== 'EACCES') throw new FtpConnectionError(`cannot listen on ${host}:${port}: ${(err as Error).message}`);
    }
  }
  throw new FtpConnectionError(`every port of the active range ${lo}-${hi} on ${host} is in use`);
}

/**
 * The data connection as basic-ftp sees it, before and after the server has connected.
 * Reads and writes wait for the real socket (and its TLS handshake); destroying the stand-in
 * closes the listener and the socket.
 */
export class ActiveDataSocket extends Duplex {
  private real?: Socket;
  private ready = false;
  private realEnded = false;
  private server?: Server;
  private acceptTimer?: NodeJS.Timeout;
  private wantRead = false;
  private pendingWrite?: () => void;
  private pendingFinal?: () => void;
  private timeoutMs = 0;

  constructor(
    server: Server,
    private readonly peer: string,
    private readonly port: number,
    private readonly tls: ((socket: Socket) => TLSSocket) | undefined,
    acceptTimeoutMs: number,
    private readonly onRefused: (from: string | undefined, port: number | undefined) => void,
  ) {
    super({ allowHalfOpen: true, readableHighWaterMark: 64 * 1024, writableHighWaterMark: 64 * 1024 });
    this.server = server;
    openListeners++;
    server.unref();
    server.on('connection', (socket: Socket) => this.onConnection(socket));
    server.on('error', (err) => this.destroy(new FtpConnectionError(`active-mode listener failed: ${err.message}`)));
    if (acceptTimeoutMs > 0) {
      this.acceptTimer = setTimeout(() => {
        this.destroy(new FtpConnectionError(`the FTP server did not open the data connection to port ${port} within ${acceptTimeoutMs} ms`));
      }, acceptTimeoutMs);
      this.acceptTimer.unref();
    }
  }

  /** The advertised port. */
  get listenPort(): number {
    return this.port;
  }

  get remoteAddress(): string | undefined {
    return this.real?.remoteAddress ?? this.peer;
  }
  get remotePort(): number | undefined {
    return this.real?.remotePort;
  }
  get remoteFamily(): string | undefined {
    return this.real?.remoteFamily ?? (isIPv6(this.peer) ? 'IPv6' : 'IPv4');
  }
  get bytesRead(): number {
    return this.real?.bytesRead ?? 0;
  }
  get bytesWritten(): number {
    return this.real?.bytesWritten ?? 0;
  }
  setTimeout(ms: number, callback?: () => void): this {
    this.timeoutMs = ms;
    this.real?.setTimeout(ms);
    if (callback) this.once('timeout', callback);
    return this;
  }

  private closeListener(): void {
    clearTimeout(this.acceptTimer);
    this.acceptTimer = undefined;
    if (this.server) {
      this.server.close();
      this.server.removeAllListeners('connection');
      this.server.on('error', () => {});
      this.server = undefined;
      openListeners--;
    }
  }

  private onConnection(socket: Socket): void {
    const from = normalizeAddress(socket.remoteAddress);
    if (this.real || this.destroyed || from !== this.peer) {
      // Refused: a reset, no byte read or written.
      socket.on('error', () => {});
      socket.resetAndDestroy();
      if (!this.real && !this.destroyed) this.onRefused(from, socket.remotePort);
      return;
    }
    this.closeListener();
    const raw = socket;
    keepAlive(raw);
    const real = this.tls ? this.tls(raw) : raw;
    this.real = real;
    if (this.timeoutMs > 0) real.setTimeout(this.timeoutMs);
    real.on('timeout', () => this.emit('timeout'));
    real.on('error', (err) => this.destroy(err));
    real.on('end', () => {
      this.realEnded = true;
      this.push(null);
    });
    real.on('close', () => {
      // Closed before the end of a download, or before an upload was all sent, with no error of its own.
      if (!this.realEnded && !this.writableFinished && !this.destroyed) {
        this.destroy(new FtpConnectionError('the data connection closed before the end of the transfer'));
      }
    });
    real.pause();
    real.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) real.pause();
    });
    const onReady = () => {
      this.ready = true;
      if (this.wantRead) real.resume();
      this.pendingWrite?.();
      this.pendingWrite = undefined;
      this.pendingFinal?.();
      this.pendingFinal = undefined;
    };
    if (real instanceof TLSSocket) real.once('secureConnect', onReady);
    else onReady();
  }

  override _read(): void {
    this.wantRead = true;
    if (this.ready) this.real!.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const send = () => {
      if (this.real!.write(chunk)) return callback();
      const done = () => {
        this.real?.off('drain', done);
        this.off('close', done);
        callback();
      };
      this.real!.on('drain', done);
      this.on('close', done);
    };
    if (this.ready) send();
    else this.pendingWrite = send;
  }

  override _final(callback: (error?: Error | null) => void): void {
    const end = () => this.real!.end(() => callback());
    if (this.ready) end();
    else this.pendingFinal = end;
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.closeListener();
    this.real?.destroy();
    callback(err);
  }
}

/**
 * The active-mode strategy: listen, tell the server where (EPRT, or PORT when EPRT is refused,
 * remembered per site), and leave the stand-in as `ftp.dataSocket`.
 */
export function activeStrategy(options: ActiveOptions, memory: ActiveMemory): (ftp: FTPContext) => Promise<FTPResponse> {
  return async (ftp) => {
    const peer = normalizeAddress(ftp.socket.remoteAddress);
    const local = normalizeAddress(ftp.socket.localAddress);
    if (!peer || !local) throw new FtpConnectionError("the control connection is closed: can't make an active-mode data connection");
    const listenHost = options.listenAddress ?? local;
    const advertised = options.publicAddress ?? local;
    const { server, port } = await listenInRange(listenHost, options.portMin, options.portMax);
    const control = ftp.socket;
    const tls =
      control instanceof TLSSocket
        ? (raw: Socket) => {
            // Server side of TCP, client side of TLS; the session of the control connection
            // (or the latest ticket) is offered again, as on the passive path.
            const secure = tlsConnect({ ...ftp.tlsOptions, socket: raw, session: ftp.tlsSessionStore ?? control.getSession() });
            secure.on('session', (session: Buffer) => {
              ftp.tlsSessionStore = session;
            });
            return secure;
          }
        : undefined;
    const stand = new ActiveDataSocket(server, peer, port, tls, ftp.timeout, (from, fromPort) => {
      options.log?.warn(
        { site: options.site, from: `${from}:${fromPort}`, expected: peer, port },
        'refused an active-mode data connection from an address other than the FTP server',
      );
    });
    // In place before the command: a server may connect before it answers (FTP 7.5 does),
    // and basic-ftp's handlers report the stand-in's errors from now on.
    ftp.dataSocket = stand as unknown as Socket;
    try {
      if (memory.activeCommand !== 'PORT') {
        try {
          const res = await ftp.request(`EPRT ${eprtArgument(advertised, port)}`);
          memory.activeCommand = 'EPRT';
          return res;
        } catch (err) {
          const refused = err instanceof FTPError && EPRT_REFUSALS.has(err.code);
          if (memory.activeCommand === 'EPRT' || !refused || ftp.closed || isIPv6(advertised)) throw err;
        }
      }
      const res = await ftp.request(`PORT ${portArgument(advertised, port)}`);
      memory.activeCommand = 'PORT';
      return res;
    } catch (err) {
      if ((ftp.dataSocket as unknown) === stand) ftp.dataSocket = undefined; // closes the listener
      else stand.destroy();
      throw err;
    }
  };
}
