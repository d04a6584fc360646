// One logged-in FTP control connection and the commands the core needs, always with
// absolute paths (basic-ftp's cd-based helpers would change the working directory of a
// pooled session) and one command at a time (the pool lends a session to one user).
import { randomBytes } from 'node:crypto';
import { Socket } from 'node:net';
import { Writable, type Readable } from 'node:stream';
import { Client, FileType, FTPError, type FileInfo, type FTPContext, type FTPResponse } from 'basic-ftp';
import type { SiteConfig } from '../config/schema.js';
import { FtpConnectionError, FtpReplyError, FtpTimeoutError, toFtpError } from './errors.js';
import { parseListDate } from './list-dates.js';
import { dataStrategy, type DataMemory } from './data-mode.js';
import { throttleReadable, throttleWritable, type Direction, type Throttle } from './throttle.js';
import type { ByteRange, Credentials, ListedEntry } from '../core/types.js';
import { ftpEvents, replyCounter } from './diagnostics.js';
import { giveBuffer, takeBuffer } from './data-buffers.js';
import { noRelease, TransferStream, type Release } from './transfer-stream.js';
import { KEEPALIVE_MS } from './keepalive.js';
import { tlsOptions } from './tls-options.js';
import { credentialKey } from '../core/login-key.js';

export interface FtpLogger {
  debug(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/** Refuse anything that could end an FTP command early and smuggle in another. */
export function assertSafeArgument(arg: string): void {
  if (/[\r\n\0]/.test(arg)) throw new FtpReplyError(501, 'refused: CR, LF or NUL in an FTP argument');
}

/**
 * The last guard before the wire: every command line basic-ftp writes is judged on the bytes it
 * becomes in the connection's encoding (latin1 writes U+010D as 0x0D), and refused whole when
 * they hold CR, LF or NUL or a character the encoding cannot carry. The core refuses such paths
 * with a 400 long before; this catches whatever path through the code forgot to.
 */
function guardCommandBytes(client: Client): void {
  const ftp = client.ftp as unknown as { send(command: string): void; encoding: BufferEncoding };
  const send = ftp.send.bind(ftp);
  ftp.send = (command: string) => {
    const bytes = Buffer.from(command, ftp.encoding);
    if (bytes.includes(0x00) || bytes.includes(0x0a) || bytes.includes(0x0d) || bytes.toString(ftp.encoding) !== command) {
      // Never the command itself in the message: it may be PASS.
      throw new FtpReplyError(501, `refused: a command whose ${ftp.encoding} bytes hold CR, LF or NUL, or characters ${ftp.encoding} cannot carry`);
    }
    send(command);
  };
}

/**
 * basic-ftp records the caller's stack with every command it starts (`new Error().stack`), only
 * for the message it gives when a second command is started while one runs, which a pooled
 * session never does (the pool lends it to one request). Formatting that stack for the two
 * commands of a small GET (EPSV, RETR) was about 3 % of the gateway's CPU per request
 * (prepareStackTrace in `perf`). Commands start with no stack captured; errors made later,
 * when replies arrive, keep theirs.
 */
function noTaskStacks(client: Client): void {
  const ftp = client.ftp as unknown as { handle(command: string | undefined, handler: unknown): Promise<unknown> };
  const handle = ftp.handle.bind(ftp);
  ftp.handle = (command, handler) => {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      return handle(command, handler);
    } finally {
      Error.stackTraceLimit = limit;
    }
  };
}

/**
 * basic-ftp parses each TCP chunk of the control connection as it comes and takes a reply cut
 * between packets ("22" then "0 Ready") for a complete one. Hand it complete lines only.
 */
function wholeRepliesOnly(client: Client): void {
  const ftp = client.ftp as unknown as { _onControlSocketData(chunk: string): void };
  const parse = ftp._onControlSocketData.bind(ftp);
  let pending = '';
  ftp._onControlSocketData = (chunk: string) => {
    pending += chunk;
    const end = pending.lastIndexOf('\n');
    // Past basic-ftp's own size guard, let it see the text and close the connection.
    if (end < 0 && pending.length < 64 * 1024) return;
    const whole = end < 0 ? pending : pending.slice(0, end + 1);
    pending = pending.slice(whole.length);
    parse(whole);
  };
}

/**
 * Does "\" separate folders on this server? SYST after login says so for Windows (IIS). Other
 * servers may too (ftp-srv, the demo's, resolves paths with Node's path module): a CWD into
 * "<a name that cannot exist>\.." succeeds only where "\" is a separator (it climbs back to
 * "/"); elsewhere it names a folder that does not exist (550) or a name refused (553). Sessions
 * use absolute paths, so the working folder it may change does not matter.
 */
async function backslashSeparates(client: Client): Promise<boolean> {
  try {
    if (/windows/i.test((await client.send('SYST')).message)) return true;
  } catch (err) {
    if (!(err instanceof FTPError)) throw err; // a server without SYST is taken for Unix
  }
  try {
    await client.send(`CWD /.ftpgate-probe-${randomBytes(8).toString('hex')}\\..`);
    return true;
  } catch (err) {
    if (err instanceof FTPError) return false;
    throw err;
  }
}

function toEntry(info: FileInfo): ListedEntry | undefined {
  if (info.name === '.' || info.name === '..' || info.name === '') return undefined;
  const type = info.type === FileType.Directory ? 'directory' : info.type === FileType.SymbolicLink ? 'symlink' : 'file';
  const modified = info.modifiedAt ?? parseListDate(info.rawModifiedAt);
  return { name: info.name, type, size: type === 'directory' ? 0 : info.size, ...(modified ? { modified } : {}) };
}

export { TransferStream };

export interface ReadHandle {
  stream: TransferStream;
  /** Resolves at the first byte or at the end of an empty file; rejects if the transfer never started. */
  started: Promise<void>;
  /** Settles when the session is free again (or closed); never rejects. */
  finished: Promise<void>;
  /** The transfer took a data connection opened ahead (a refusal may mean it had gone stale). */
  readonly usedPreopened?: boolean;
}

/** What a plain data connection does with each read: false pauses the socket until `resume`. */
type ChunkHandler = (chunk: Buffer, release: Release, resume: () => void) => boolean;

interface DataReader {
  onChunk: ChunkHandler;
  /** True when the consumer keeps chunks (reads the stream): read into fresh buffers then. */
  owned: () => boolean;
  /** Set when the transfer took the data connection opened ahead. */
  ahead?: boolean;
}

/** Who reads a plain data socket: set when it is made, or later for one opened ahead. */
interface DataSlot {
  reader?: DataReader;
  /** Bytes came before any transfer was asked: the socket was closed and must never be used. */
  spoiled?: boolean;
}

/** A passive data connection opened while the session was idle, for its next download. */
interface Preopened {
  socket: Socket;
  slot: DataSlot;
  /** The server's EPSV/PASV reply, handed to basic-ftp as the transfer's preparation. */
  reply: FTPResponse;
  at: number;
}

/**
 * How long a data connection opened ahead waits for a download before it is closed. Far below
 * the servers' own limits on a pending passive connection (vsftpd's accept_timeout 60 s,
 * ProFTPD's TimeoutNoTransfer 300 s).
 */
const PREOPEN_MAX_AGE_MS = 5_000;

export class FtpSession {
  readonly key: string;
  lastUsed = Date.now();
  /** "\" separates folders on this server (Windows by SYST, or found by a probe): no name may hold one. */
  windows = false;
  /** Bandwidth limits of this session's transfers (set by the pool); no gate, no limit. */
  throttle?: (direction: Direction) => Throttle | undefined;
  /** True while requests wait for a session of this site (set by the pool): then nothing is opened ahead. */
  othersWaiting?: () => boolean;
  /** Set while a plain download (or an opening ahead) waits for its data connection: that socket reads into pooled buffers. */
  private nextDataSlot: DataSlot | undefined;
  /** Set by read() just before basic-ftp prepares its transfer: the download may take `preopened`. */
  private pendingReader: DataReader | undefined;
  /** The next download's passive data connection, opened after the last one (see preopen). */
  private preopened: Preopened | undefined;
  /** The site's own data-connection strategy (EPSV/PASV, or active mode). */
  private readonly strategy: (ftp: FTPContext) => Promise<FTPResponse>;
  private constructor(
    private readonly client: Client,
    readonly site: SiteConfig,
    key: string,
    private readonly memory: DataMemory,
  ) {
    this.key = key;
    // basic-ftp makes passive data connections with _newSocket (the control socket exists by now).
    const ftp = client.ftp as unknown as { _newSocket(): Socket; send(command: string): void };
    ftp._newSocket = () => {
      const slot = this.nextDataSlot;
      this.nextDataSlot = undefined;
      return slot ? readingSocket(slot) : writingSocket();
    };
    // Every transfer is prepared here: a download takes the connection opened ahead when there
    // is a sound one; anything else closes it first and makes its own.
    this.strategy = client.prepareTransfer;
    client.prepareTransfer = (context) => {
      const reader = this.pendingReader;
      this.pendingReader = undefined;
      const ahead = this.takePreopened();
      if (ahead && reader) {
        ahead.slot.reader = reader;
        reader.ahead = true;
        // basic-ftp owns it from here, with its own error handlers, as one it had just connected.
        ahead.socket.removeAllListeners('error');
        ahead.socket.removeAllListeners('timeout');
        context.dataSocket = ahead.socket; // (which also ends our idle timeout)
        return Promise.resolve(ahead.reply);
      }
      if (ahead) ahead.socket.destroy();
      this.nextDataSlot = reader ? { reader } : undefined;
      // Active mode never asks for a passive socket: do not hand this reader to a later transfer.
      return this.strategy(context).finally(() => (this.nextDataSlot = undefined));
    };
    // The connection opened ahead belongs to the very next command, a download's REST or RETR
    // (the download has taken it above by then): any other command closes it first, so no
    // server has to keep a passive connection across other commands.
    const send = ftp.send.bind(ftp);
    ftp.send = (command: string) => {
      this.dropPreopened();
      send(command);
    };
  }

  /** The connection opened ahead, if it is still sound (taken: the caller uses or closes it). */
  private takePreopened(): Preopened | undefined {
    const ahead = this.preopened;
    this.preopened = undefined;
    if (!ahead) return undefined;
    const sound = !ahead.slot.spoiled && !ahead.socket.destroyed && !ahead.socket.readableEnded && Date.now() - ahead.at < PREOPEN_MAX_AGE_MS;
    if (sound) return ahead;
    ahead.socket.destroy();
    return undefined;
  }

  /**
   * After a plain passive download, open the next one's data connection (EPSV or PASV, and the
   * connect) while the session is still lent: the next download on this session sends RETR at
   * once, one round trip and a connect sooner. Only after a download that read the socket
   * itself (no TLS: the handshake belongs to the transfer; no bandwidth limit), never in active
   * mode. The socket is read by nobody until a download claims it; bytes before that close it.
   */
  private async preopen(): Promise<void> {
    if (!this.site.preopenData || this.client.closed || this.client.ftp.hasTLS) return;
    // A request waits for a session: give this one back now rather than an EPSV and a connect
    // later. The round trip saved is worth it only when the pool has room (16 parallel 10 MiB
    // GETs over a pool of 8 lost 10-24 % of their throughput to the sessions held meanwhile).
    if (this.othersWaiting?.()) return;
    if (this.site.dataMode === 'active' || this.memory.fellBackToActive || this.memory.command === undefined) return;
    const slot: DataSlot = {};
    this.nextDataSlot = slot;
    try {
      const reply = await this.strategy(this.client.ftp);
      const socket = this.client.ftp.dataSocket;
      if (!socket) return;
      if (this.client.closed) {
        // Closed meanwhile (shutdown, a discard): basic-ftp set the socket on a closed context.
        socket.destroy();
        return;
      }
      // Out of basic-ftp's hands while it waits: its handlers would close the whole session
      // when a server drops a connection nobody uses yet (a short accept timeout). Here that
      // only spoils it, and the next download makes a fresh one.
      (this.client.ftp as unknown as { _dataSocket?: Socket })._dataSocket = undefined;
      socket.removeAllListeners('error');
      socket.removeAllListeners('close');
      socket.removeAllListeners('timeout');
      socket.on('error', () => (slot.spoiled = true));
      // Unused for that long: give the server its port back.
      socket.setTimeout(PREOPEN_MAX_AGE_MS, () => socket.destroy());
      // Flowing: a server that closes it is seen at once ('end'), not at the next download.
      socket.resume();
      this.preopened = { socket, slot, reply, at: Date.now() };
    } catch {
      // Nothing lost: the next download would have failed the same way. Close the session
      // rather than guess its state.
      this.client.close();
    } finally {
      this.nextDataSlot = undefined;
      this.lastUsed = Date.now();
    }
  }

  /**
   * Connect and log in; one retry schedule for "421 too many connections" at the door
   * (`delays`; the pool passes none and decides itself, see pool.ts).
   */
  static async open(site: SiteConfig, creds: Credentials, memory: DataMemory, log: FtpLogger, delays = [250, 750, 1500]): Promise<FtpSession> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await FtpSession.openOnce(site, creds, memory, log);
      } catch (err) {
        const e = toFtpError(err);
        if (e instanceof FtpReplyError && e.code === 421 && attempt < delays.length) {
          log.warn({ site: site.name, attempt: attempt + 1 }, 'FTP server answered 421 at login, retrying');
          await new Promise((r) => setTimeout(r, delays[attempt]));
          continue;
        }
        throw e;
      }
    }
  }

  private static async openOnce(site: SiteConfig, creds: Credentials, memory: DataMemory, log: FtpLogger): Promise<FtpSession> {
    assertSafeArgument(creds.user);
    assertSafeArgument(creds.password);
    const client = new Client(site.commandTimeoutMs);
    wholeRepliesOnly(client);
    client.ftp.encoding = site.encoding;
    guardCommandBytes(client);
    noTaskStacks(client);
    const countReply = replyCounter(site.name); // metrics: FTP reply codes
    client.ftp.log = (message: string) => {
      countReply(message);
      log.debug({ site: site.name, ftp: message.replace(/^(>\s*PASS\s+).*/i, '$1***') });
    };
    client.prepareTransfer = dataStrategy(site, memory, log);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        client.close();
        reject(new FtpTimeoutError(`no login to ${site.host}:${site.port} within ${site.connectTimeoutMs} ms`));
      }, site.connectTimeoutMs);
    });
    try {
      await Promise.race([
        client.access({
          host: site.host,
          port: site.port,
          user: creds.user,
          password: creds.password,
          secure: site.tls === 'explicit' ? true : site.tls === 'implicit' ? 'implicit' : false,
          secureOptions: tlsOptions(site),
        }),
        timeout,
      ]);
    } catch (err) {
      client.close();
      throw toFtpError(err);
    } finally {
      clearTimeout(timer);
    }
    // Control replies are small and latency-bound: do not let Nagle hold them back.
    client.ftp.socket.setNoDelay(true);
    // The control connection idles for the whole of a long RETR/STOR: TCP keepalive stops a
    // NAT or firewall on the way from forgetting it (the data connections get it too).
    client.ftp.socket.setKeepAlive(true, KEEPALIVE_MS);
    // basic-ftp falls back from MLSD to LIST on any error, a missing folder's 550 included, and
    // keeps LIST for good: a server that offers MLSD is asked with MLSD only.
    if (client.availableListCommands[0] === 'MLSD') client.availableListCommands = ['MLSD'];
    const session = new FtpSession(client, site, credentialKey(site.name, creds), memory);
    try {
      session.windows = await backslashSeparates(client);
    } catch (err) {
      client.close();
      throw toFtpError(err);
    }
    return session;
  }

  /** Connect and read the server's greeting, without logging in (health checks of pass-through sites). */
  static async greeting(site: SiteConfig): Promise<string> {
    const client = new Client(site.connectTimeoutMs);
    try {
      const res =
        site.tls === 'implicit'
          ? await client.connectImplicitTLS(site.host, site.port, tlsOptions(site))
          : await client.connect(site.host, site.port);
      return res.message;
    } catch (err) {
      throw toFtpError(err);
    } finally {
      client.close();
    }
  }

  get closed(): boolean {
    const closed = this.client.closed;
    // basic-ftp closed the session itself (a timeout, the server gone): it does not own the
    // connection opened ahead, so that goes here, as the pool looks.
    if (closed && this.preopened) this.dropPreopened();
    return closed;
  }

  private dropPreopened(): void {
    this.preopened?.socket.destroy();
    this.preopened = undefined;
  }

  close(): void {
    this.dropPreopened();
    this.client.close();
  }

  /** Polite goodbye for shutdown, waiting at most `waitMs` for the server's reply. */
  async quit(waitMs = 1000): Promise<void> {
    if (!this.client.closed) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.client.send('QUIT').catch(() => undefined),
        new Promise((r) => (timer = setTimeout(r, waitMs))),
      ]);
      clearTimeout(timer);
    }
    this.client.close();
  }

  private async run<T>(command: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw toFtpError(err, command);
    } finally {
      this.lastUsed = Date.now();
    }
  }

  /** A path argument: one line, and no "\" on a Windows server (it would be a separator there). */
  private checkPath(path: string): void {
    assertSafeArgument(path);
    if (this.windows && path.includes('\\')) throw new FtpReplyError(501, 'refused: "\\" in a path on a Windows server');
  }

  async noop(): Promise<void> {
    await this.run('NOOP', () => this.client.send('NOOP'));
  }

  async list(path: string): Promise<ListedEntry[]> {
    this.checkPath(path);
    const infos = await this.run('LIST', () => this.client.list(path));
    const entries: ListedEntry[] = [];
    for (const info of infos) {
      const entry = toEntry(info);
      if (entry) entries.push(entry);
    }
    return entries;
  }

  async send(command: 'MKD' | 'RMD' | 'DELE' | 'CWD', path: string): Promise<void> {
    this.checkPath(path);
    await this.run(command, () => this.client.send(`${command} ${path}`));
  }

  async rename(from: string, to: string): Promise<void> {
    this.checkPath(from);
    this.checkPath(to);
    await this.run('RNFR', () => this.client.rename(from, to));
  }

  /** Does this server list with MLSD (times to the second, or better)? */
  get listsWithMlsd(): boolean {
    return this.client.availableListCommands[0] === 'MLSD';
  }

  /** MDTM: a file's modification time to the second (LIST may give only the minute, or the day). */
  async modifiedTime(path: string): Promise<Date> {
    assertSafeArgument(path);
    return this.run('MDTM', () => this.client.lastMod(path));
  }

  async size(path: string): Promise<number> {
    this.checkPath(path);
    return this.run('SIZE', () => this.client.size(path));
  }

  /**
   * Stream a file (or a byte range through REST). On a plain passive data connection each read
   * lands in a pooled buffer that goes straight to the consumer (src/ftp/transfer-stream.ts);
   * TLS, active-mode and throttled transfers come through basic-ftp's pipe into a sink that
   * hands each chunk on the same way. basic-ftp ends its destination even when the transfer
   * fails, so the outcome decides whether `stream` ends (complete) or is destroyed.
   * A range that stops before the end of the file aborts the transfer by closing the session:
   * FTP has no way to stop a RETR and keep the connection in a known state.
   */
  read(path: string, range: ByteRange = { start: 0 }): ReadHandle {
    this.checkPath(path);
    const out = new TransferStream();
    let remaining = range.end === undefined ? Infinity : range.end - range.start + 1;
    let complete = false;
    /** The consumer has the stream once the first byte arrived; before that, errors go through `started`. */
    let begun = false;
    let markStarted!: () => void;
    let failStart!: (err: Error) => void;
    const started = new Promise<void>((resolve, reject) => {
      markStarted = resolve;
      failStart = reject;
    });
    started.catch(() => {}); // observed by the caller; never an unhandled rejection
    // FTP cannot stop a RETR and keep the connection in a known state: bytes past the
    // wanted range abort the transfer by closing this session.
    const abortSurplus = () => this.client.close();
    const onChunk: ChunkHandler = (chunk, release, resume) => {
      begun = true;
      markStarted();
      if (complete) {
        release();
        abortSurplus();
        return true;
      }
      if (chunk.length >= remaining) {
        const surplus = chunk.length > remaining;
        complete = true;
        out.bytes += remaining;
        out.offer(surplus ? chunk.subarray(0, remaining) : chunk, release, () => {});
        out.finish();
        remaining = 0;
        if (surplus) abortSurplus();
        return true;
      }
      remaining -= chunk.length;
      out.bytes += chunk.length;
      return out.offer(chunk, release, resume);
    };
    const sink = new Writable({
      highWaterMark: 256 * 1024,
      write: (chunk: Buffer, _enc, callback) => {
        if (onChunk(chunk, noRelease, () => callback())) callback();
      },
      // Completion is decided by the transfer's outcome, not by basic-ftp ending us.
      final: (callback) => callback(),
    });
    // basic-ftp ends its destination once more after the transfer (a `finally` in
    // _downloadToStream), when the data connection's pipeline has ended it already: Node answers a
    // second end() with an ERR_STREAM_ALREADY_FINISHED error, stack and all, on every download.
    const end = sink.end.bind(sink) as (...args: unknown[]) => Writable;
    sink.end = ((...args: unknown[]) => (sink.writableEnded && args.length === 0 ? sink : end(...args))) as typeof sink.end;
    // The consumer went away before the end: stop the transfer now.
    out.on('close', () => {
      if (!complete) this.client.close();
    });
    const gate = this.throttle?.('download');
    // A plain control connection means plain data connections (no PROT P).
    const reader: DataReader | undefined = !gate && !this.client.ftp.hasTLS ? { onChunk, owned: () => out.wantsOwnedBuffers } : undefined;
    this.pendingReader = reader;
    const transferStart = performance.now(); // metrics: transfer time
    let ok = false;
    const transferred = this.client
      .downloadTo(throttleWritable(sink, gate), path, range.start)
      .then(
        () => {
          markStarted();
          ok = true;
          if (complete) return;
          complete = true;
          if (remaining !== Infinity && remaining > 0) {
            out.destroy(new FtpConnectionError(`${path} ended ${remaining} bytes early (changed during the download?)`));
          } else out.finish();
        },
        (err: unknown) => {
          this.client.close();
          const e = toFtpError(err, 'RETR');
          failStart(e);
          if (!complete) {
            complete = true;
            // Before the first byte nobody listens to `out`: an error event there would be unhandled.
            out.destroy(begun ? e : undefined);
          }
        },
      )
      .finally(() => {
        this.pendingReader = undefined;
        this.lastUsed = Date.now();
      });
    const finished = transferred.then(async () => {
      ftpEvents.transfer(this.site.name, 'download', (performance.now() - transferStart) / 1000, !out.errored);
      // The next download's data connection, while this session is still lent (never rejects).
      if (ok && reader && !out.errored) await this.preopen();
    });
    return {
      stream: out,
      started,
      finished,
      get usedPreopened() {
        return reader?.ahead === true;
      },
    };
  }

  /**
   * STOR (`replace`) or APPE (`append`) from a stream. Resumable uploads add each chunk to a
   * temporary file with APPE, so a broken chunk loses only its own unfinished tail. Any failure
   * closes the session (the transfer state is unknown).
   */
  async write(path: string, source: Readable, mode: 'replace' | 'append' = 'replace'): Promise<number> {
    this.checkPath(path);
    const command = mode === 'append' ? 'APPE' : 'STOR';
    let bytes = 0;
    // The tracker reports at the end of the transfer too; a 'data' listener here would
    // start the source flowing before the data connection is ready.
    this.client.trackProgress((info) => {
      bytes = info.bytes;
    });
    const transferStart = performance.now(); // metrics: transfer time
    let ok = false;
    try {
      await this.run(command, () => {
        const from = throttleReadable(source, this.throttle?.('upload'));
        return mode === 'append' ? this.client.appendFrom(from, path) : this.client.uploadFrom(from, path);
      });
      ok = true;
    } catch (err) {
      this.client.close();
      throw err;
    } finally {
      this.client.trackProgress();
      // ftpgate_ftp_transfer_duration_seconds times RETR and STOR (its help says so): a tus
      // chunk's APPE is not a whole file's transfer.
      if (mode === 'replace') ftpEvents.transfer(this.site.name, 'upload', (performance.now() - transferStart) / 1000, ok);
    }
    return bytes;
  }
}


/**
 * A data socket for uploads (and for downloads that keep basic-ftp's pipe). Room for a few of
 * the request's 64 KiB reads: at Node's default 16 KiB every write reported back-pressure, and
 * the upload stopped and started again on each chunk.
 */
function writingSocket(): Socket {
  return new Socket({ writableHighWaterMark: 256 * 1024 } as ConstructorParameters<typeof Socket>[0]);
}

/** Node's own read size: what a consumer that keeps chunks got before. */
const OWNED_READ_SIZE = 64 * 1024;

/**
 * A data socket that reads into pooled buffers (net.Socket `onread`) and gives each read to
 * `onChunk`; the buffer returns to the pool through the chunk's release. Pausing (not just
 * stopping the read) keeps basic-ftp's transfer watchdog right: a paused socket is us
 * waiting for the consumer, not the server stalling.
 */
function readingSocket(slot: DataSlot): Socket {
  /** The pooled buffer the next read goes into: back to the pool if no read comes. */
  let spare: Buffer | undefined;
  // `onread` is in Node's net.Socket options since v12; @types/node 20 does not list it.
  const socket: Socket = new Socket({
    onread: {
      buffer: () => {
        const reader = slot.reader;
        if (reader && !reader.owned()) return (spare = takeBuffer());
        spare = undefined;
        return Buffer.allocUnsafe(OWNED_READ_SIZE);
      },
      callback: (n: number, buf: Uint8Array) => {
        const full = buf as Buffer;
        const pooled = full === spare;
        if (pooled) spare = undefined;
        const reader = slot.reader;
        if (!reader) {
          // A connection opened ahead, and bytes before any RETR: not ours to deliver, ever.
          if (pooled) giveBuffer(full);
          slot.spoiled = true;
          socket.destroy();
          return false;
        }
        const resume = () => {
          if (socket.isPaused()) socket.resume();
        };
        if (!reader.onChunk(full.subarray(0, n), pooled ? () => giveBuffer(full) : noRelease, resume)) socket.pause();
        return true;
      },
    },
  } as ConstructorParameters<typeof Socket>[0]);
  socket.once('close', () => {
    if (spare) giveBuffer(spare);
    spare = undefined;
  });
  return socket;
}
