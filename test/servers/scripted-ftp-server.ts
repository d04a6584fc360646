// A small FTP server of our own for the quirks and faults real servers will not show on
// demand: refused EPSV, PASV replies that name another host, IIS-style answers (215 Windows_NT,
// MS-DOS listings, no MLSD, 125 before transfers), multi-line replies, replies split across
// TCP packets, latin1 names, data connections cut mid-transfer, idle sessions dropped, a
// server that stops answering. Files live in memory (`files`) or on disk under `root`.
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, rmdir, stat } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join, posix } from 'node:path';
import { pipeline } from 'node:stream/promises';

export interface ScriptedOptions {
  /** Files by absolute path, in memory (read-only). Ignored when `root` is set. */
  files?: Record<string, Buffer>;
  /** Serve this folder on disk, read and write (STOR, DELE, MKD, RMD, RNFR/RNTO, SIZE, MDTM). */
  root?: string;
  /** Check the login against these; any login is accepted when unset. */
  user?: string;
  password?: string;
  /** Answer EPSV with this reply instead of entering passive mode (e.g. "500 Unknown command"). */
  refuseEpsv?: string;
  /** Answer PASV with this reply instead of entering passive mode. */
  refusePasv?: string;
  /** Answer EPRT with this reply (a client must fall back to PORT). */
  refuseEprt?: string;
  /** Active mode: called with each target before the server connects to it. */
  beforeActiveConnect?: (host: string, port: number) => Promise<void>;
  /** Active mode: connect before sending 150 (as vsftpd does); default after it. */
  connectBefore150?: boolean;
  /** The address a PASV reply advertises; the data listener is always on 127.0.0.1. */
  pasvAddress?: string;
  /** Reply code before a transfer: 150, or 125 as Microsoft FTP 7.5 sends. */
  preliminary?: 125 | 150;
  /** Listing style: Unix `ls -l` or MS-DOS (`11-22-26  02:08PM       <DIR>          name`). */
  listStyle?: 'unix' | 'dos';
  /** Offer MLST in FEAT and answer MLSD (IIS-like servers do not: default false). */
  mlsd?: boolean;
  /** SYST reply text; default "Windows_NT" for dos listings, "UNIX Type: L8" otherwise. */
  syst?: string;
  /** Called with each passive port before the reply is sent (a test can set a canary on the advertised host). */
  onPassivePort?: (port: number) => Promise<void>;
  /** Turn away this many first connections with "421 Too many connections". */
  busyConnections?: number;
  /** Greeting line after 220. */
  system?: string;
  /** Send greeting, login, FEAT, PWD and transfer-complete replies as multi-line replies. */
  multiline?: boolean;
  /** Write every reply in pieces of a few bytes, each its own TCP packet (Nagle off, a pause between). */
  splitReplies?: boolean;
  /** Encoding of commands and names on the wire (IIS without UTF8: latin1). Default utf8. */
  encoding?: 'utf8' | 'latin1';
  /** RETR: send this many bytes, pause (they reach the client), then close the data connection and answer 426. */
  cutDataAfter?: number;
  /** RETR of a path matching this is refused "550 Access is denied." (a file listed but not readable). */
  denyRetr?: RegExp;
  /**
   * RETR of a path matching this is refused as IIS refuses a file another process is writing:
   * "550 The process cannot access the file because it is being used by another process."
   */
  busyRetr?: RegExp;
  /** Fault injection: RNTO answers this reply (e.g. "550 Access is denied.") instead of renaming when it returns one. */
  refuseRename?: (from: string, to: string) => string | undefined;
  /** Stop answering (read and ignore everything, keep the connection open) once a command matches. */
  stallOn?: RegExp;
  /**
   * Idle timeout of a logged-in session: after `ms` without a command the server either sends
   * "421 Timeout." and closes (vsftpd, ProFTPD), or silently forgets the login so that the next
   * command is answered "530 Please login with USER and PASS." ('530').
   */
  idle?: { ms: number; then: '421' | '530' };
  /**
   * A broken or hostile server: a passive data connection that has waited `afterMs` without a
   * transfer command gets `bytes` written to it (a client must never take them for a file's).
   */
  earlyData?: { afterMs: number; bytes: Buffer };
  /**
   * A short accept timeout: a passive data connection that has waited `afterMs` without a
   * transfer command is closed (FIN, or RST with `reset`) and forgotten; a transfer command
   * without a new EPSV/PASV then gets "425 Use PORT or PASV first.".
   */
  dropIdleData?: { afterMs: number; reset?: boolean };
}

export interface ScriptedServer {
  port: number;
  commands: string[];
  /** Every data port a client asked this server to connect to (EPRT or PORT). */
  activePorts: number[];
  /** Control connections currently open. */
  connections(): number;
  /** Passive data connections currently open (accepted, not yet closed by either side). */
  passiveConnections(): number;
  /** Cut every control and data connection (a crash as the client sees it); the listener stays. */
  dropConnections(): void;
  close(): Promise<void>;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number, w = 2) => String(n).padStart(w, '0');

interface Entry {
  name: string;
  dir: boolean;
  size: number;
  mtime: Date;
}

function listLine(style: 'unix' | 'dos', e: Entry): string {
  const t = e.mtime;
  if (style === 'dos') {
    const h = t.getUTCHours() % 12 || 12;
    const date = `${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}-${pad(t.getUTCFullYear() % 100)}`;
    const time = `${pad(h)}:${pad(t.getUTCMinutes())}${t.getUTCHours() < 12 ? 'AM' : 'PM'}`;
    return `${date}  ${time} ${e.dir ? '      <DIR>         ' : String(e.size).padStart(20)} ${e.name}`;
  }
  const when = `${MONTHS[t.getUTCMonth()]} ${String(t.getUTCDate()).padStart(2)} ${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}`;
  return `${e.dir ? 'drwxr-xr-x' : '-rw-r--r--'}    1 1000     1000     ${String(e.size).padStart(8)} ${when} ${e.name}`;
}

function mlsdLine(e: Entry): string {
  const t = e.mtime;
  const modify = `${t.getUTCFullYear()}${pad(t.getUTCMonth() + 1)}${pad(t.getUTCDate())}${pad(t.getUTCHours())}${pad(t.getUTCMinutes())}${pad(t.getUTCSeconds())}`;
  return `type=${e.dir ? 'dir' : 'file'};size=${e.size};modify=${modify}; ${e.name}`;
}

class FtpFail extends Error {
  constructor(readonly reply: string) {
    super(reply);
  }
}

export async function startScriptedServer(options: ScriptedOptions): Promise<ScriptedServer> {
  const commands: string[] = [];
  const sockets = new Set<Socket>();
  const controls = new Set<Socket>();
  const passives = new Set<Socket>();
  const servers = new Set<Server>();
  const encoding = options.encoding ?? 'utf8';
  const style = options.listStyle ?? 'unix';
  const memFiles = options.files ?? {};

  // ---- the file system: memory or disk, FTP paths absolute ----
  const onDisk = (p: string) => join(options.root!, ...p.split('/').filter(Boolean));
  const fsops = {
    async entry(p: string): Promise<Entry | undefined> {
      if (options.root) {
        try {
          const s = await stat(onDisk(p));
          return { name: posix.basename(p), dir: s.isDirectory(), size: s.isDirectory() ? 0 : s.size, mtime: s.mtime };
        } catch {
          return undefined;
        }
      }
      if (p === '/') return { name: '', dir: true, size: 0, mtime: new Date() };
      const file = memFiles[p];
      if (file) return { name: posix.basename(p), dir: false, size: file.length, mtime: new Date() };
      const prefix = p + '/';
      return Object.keys(memFiles).some((k) => k.startsWith(prefix)) ? { name: posix.basename(p), dir: true, size: 0, mtime: new Date() } : undefined;
    },
    async list(dir: string): Promise<Entry[]> {
      if (options.root) {
        const names = await readdir(onDisk(dir));
        const out: Entry[] = [];
        for (const name of names) {
          const e = await fsops.entry(posix.join(dir, name));
          if (e) out.push(e);
        }
        return out;
      }
      const prefix = dir.endsWith('/') ? dir : dir + '/';
      const seen = new Map<string, Entry>();
      for (const [p, b] of Object.entries(memFiles)) {
        if (!p.startsWith(prefix)) continue;
        const rest = p.slice(prefix.length);
        const slash = rest.indexOf('/');
        if (slash < 0) seen.set(rest, { name: rest, dir: false, size: b.length, mtime: new Date() });
        else seen.set(rest.slice(0, slash), { name: rest.slice(0, slash), dir: true, size: 0, mtime: new Date() });
      }
      return [...seen.values()];
    },
    async read(p: string): Promise<Buffer> {
      if (options.root) return readFile(onDisk(p));
      const file = memFiles[p];
      if (!file) throw new FtpFail('550 The system cannot find the file specified.');
      return file;
    },
  };
  const needDisk = () => {
    if (!options.root) throw new FtpFail('550 Access is denied.');
  };

  let turnAway = options.busyConnections ?? 0;
  const activePorts: number[] = [];
  const server = createServer((control) => {
    sockets.add(control);
    control.on('error', () => {});
    if (turnAway > 0) {
      turnAway--;
      control.end('421 Too many connections, try later\r\n');
      return;
    }
    controls.add(control);
    control.on('close', () => {
      sockets.delete(control);
      controls.delete(control);
    });
    control.setNoDelay(true);
    let dataServer: Server | undefined;
    let dataSocket: Promise<Socket> | undefined;
    let activeTarget: { host: string; port: number } | undefined;
    let restAt = 0;
    let cwd = '/';
    let user = '';
    let loggedIn = false;
    let renameFrom: string | undefined;
    let stalled = false;
    let idleTimer: NodeJS.Timeout | undefined;
    /** earlyData timers, cancelled when a transfer command takes the connection. */
    const earlyTimers = new Set<NodeJS.Timeout>();

    // Replies go out in order, each possibly in several packets.
    let outQueue: Promise<void> = Promise.resolve();
    const reply = (text: string): Promise<void> => {
      const bytes = Buffer.from(text + '\r\n', encoding);
      outQueue = outQueue.then(async () => {
        if (control.destroyed) return;
        if (!options.splitReplies) {
          control.write(bytes);
          return;
        }
        for (let i = 0; i < bytes.length; i += 3) {
          if (control.destroyed) return;
          control.write(bytes.subarray(i, i + 3));
          await new Promise((r) => setTimeout(r, 2));
        }
      });
      return outQueue;
    };
    /** A reply that a multiline server sends as "code-first\r\n ... \r\ncode last". */
    const replyLong = (code: number, lines: string[], last: string) =>
      reply(options.multiline ? [`${code}-${lines[0] ?? last}`, ...lines.slice(1).map((l) => ` ${l}`), `${code} ${last}`].join('\r\n') : `${code} ${last}`);

    const armIdle = () => {
      if (!options.idle) return;
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => {
        if (!loggedIn) return;
        if (options.idle!.then === '421') {
          void reply('421 Timeout.').then(() => control.end());
        } else loggedIn = false;
      }, options.idle.ms);
    };
    control.on('close', () => clearTimeout(idleTimer));

    const resolvePath = (arg: string): string => {
      const p = posix.normalize(posix.isAbsolute(arg) ? arg : posix.join(cwd, arg));
      return p.length > 1 ? p.replace(/\/+$/, '') : '/';
    };

    const openPassive = (): Promise<number> =>
      new Promise((resolve) => {
        dataServer?.close();
        const ds = createServer();
        servers.add(ds);
        dataServer = ds;
        dataSocket = new Promise((accept) =>
          ds.once('connection', (s) => {
            sockets.add(s);
            passives.add(s);
            s.on('close', () => {
              sockets.delete(s);
              passives.delete(s);
            });
            s.on('error', () => {}); // a client may cut a transfer short
            if (options.earlyData) {
              const { afterMs, bytes } = options.earlyData;
              const early = setTimeout(() => {
                if (dataServer === ds && !s.destroyed) s.write(bytes);
              }, afterMs);
              s.on('close', () => clearTimeout(early));
              earlyTimers.add(early);
            }
            if (options.dropIdleData) {
              const { afterMs, reset } = options.dropIdleData;
              const drop = setTimeout(() => {
                if (dataServer !== ds) return;
                dataSocket = undefined;
                if (reset) s.resetAndDestroy();
                else s.destroy();
              }, afterMs);
              s.on('close', () => clearTimeout(drop));
              earlyTimers.add(drop);
            }
            accept(s);
            ds.close();
          }),
        );
        ds.listen(0, '127.0.0.1', async () => {
          const port = (ds.address() as { port: number }).port;
          await options.onPassivePort?.(port);
          resolve(port);
        });
      });

    const connectActive = async (target: { host: string; port: number }): Promise<Socket | undefined> => {
      await options.beforeActiveConnect?.(target.host, target.port);
      return new Promise((resolve) => {
        const s = connect({ host: target.host, port: target.port });
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        s.once('connect', () => {
          s.on('error', () => {});
          resolve(s);
        });
        s.once('error', () => resolve(undefined));
      });
    };

    const takeData = async (): Promise<Socket | undefined> => {
      if (activeTarget) {
        const target = activeTarget;
        activeTarget = undefined;
        const preliminary = `${options.preliminary ?? 150} Opening data connection.`;
        if (!options.connectBefore150) await reply(preliminary);
        const s = await connectActive(target);
        if (!s) {
          await reply("425 Can't open data connection.");
          return undefined;
        }
        if (options.connectBefore150) await reply(preliminary);
        return s;
      }
      if (!dataSocket) {
        await reply("425 Use PORT or PASV first.");
        return undefined;
      }
      await reply(`${options.preliminary ?? 150} ${options.preliminary === 125 ? 'Data connection already open; Transfer starting.' : 'Opening data connection.'}`);
      const s = await dataSocket;
      dataSocket = undefined;
      for (const t of earlyTimers) clearTimeout(t);
      earlyTimers.clear();
      return s;
    };
    const complete = () => replyLong(226, ['Transfer complete.', 'Bytes counted.'], 'Transfer complete.');

    const sendData = async (payload: Buffer, cutAfter?: number) => {
      const s = await takeData();
      if (!s) return;
      if (cutAfter !== undefined && cutAfter < payload.length) {
        s.write(payload.subarray(0, cutAfter));
        await new Promise((r) => setTimeout(r, 300));
        s.destroy();
        await reply('426 Connection closed; transfer aborted.');
        return;
      }
      await new Promise<void>((resolve) => {
        s.on('close', () => resolve());
        s.end(payload);
      });
      if (s.errored) await reply('426 Connection closed; transfer aborted.');
      else await complete();
    };

    const handle = async (line: string) => {
      const space = line.indexOf(' ');
      const verb = (space < 0 ? line : line.slice(0, space)).toUpperCase();
      const arg = space < 0 ? '' : line.slice(space + 1);
      if (!loggedIn && !['USER', 'PASS', 'QUIT', 'FEAT', 'SYST', 'OPTS', 'AUTH', 'NOOP'].includes(verb)) {
        return reply('530 Please login with USER and PASS.');
      }
      switch (verb) {
        case 'USER':
          user = arg;
          return reply('331 Password required');
        case 'PASS':
          if (options.user !== undefined && (user !== options.user || arg !== options.password)) return reply('530 User cannot log in.');
          loggedIn = true;
          cwd = '/';
          return replyLong(230, ['Welcome to the scripted server.', 'Be nice.'], 'User logged in.');
        case 'FEAT':
          return reply(['211-Extended features supported:', ' SIZE', ' MDTM', ' REST STREAM', ...(options.mlsd ? [' MLST type*;size*;modify*;'] : []), ...(encoding === 'utf8' ? [' UTF8'] : []), '211 END'].join('\r\n'));
        case 'SYST':
          return reply(`215 ${options.syst ?? (style === 'dos' ? 'Windows_NT' : 'UNIX Type: L8')}`);
        case 'TYPE':
        case 'STRU':
        case 'MODE':
        case 'NOOP':
          return reply('200 Command okay.');
        case 'OPTS':
          return encoding === 'utf8' && /^utf8 on$/i.test(arg) ? reply('200 UTF8 on.') : reply('501 Option not supported.');
        case 'PWD':
          return reply(`257 "${cwd}" is current directory.`);
        case 'CWD': {
          const p = resolvePath(arg);
          const e = await fsops.entry(p);
          if (!e?.dir) return reply('550 The system cannot find the file specified.');
          cwd = p;
          return reply('250 CWD command successful.');
        }
        case 'EPSV':
          if (options.refuseEpsv) return reply(options.refuseEpsv);
          return reply(`229 Entering Extended Passive Mode (|||${await openPassive()}|)`);
        case 'EPRT': {
          if (options.refuseEprt) return reply(options.refuseEprt);
          const [, proto = '', host = '', port = ''] = arg.split(arg[0] ?? '|');
          if (proto !== '1' && proto !== '2') return reply('522 Network protocol not supported, use (1,2)');
          dataServer?.close();
          dataSocket = undefined;
          activePorts.push(Number(port));
          activeTarget = { host, port: Number(port) };
          return reply('200 EPRT command successful.');
        }
        case 'PORT': {
          const n = arg.split(',').map(Number);
          if (n.length !== 6 || n.some((x) => !(x >= 0 && x <= 255))) return reply('501 Illegal PORT command.');
          dataServer?.close();
          dataSocket = undefined;
          const port = n[4]! * 256 + n[5]!;
          activePorts.push(port);
          activeTarget = { host: n.slice(0, 4).join('.'), port };
          return reply('200 PORT command successful.');
        }
        case 'PASV': {
          if (options.refusePasv) return reply(options.refusePasv);
          const port = await openPassive();
          const host = (options.pasvAddress ?? '127.0.0.1').replace(/\./g, ',');
          return reply(`227 Entering Passive Mode (${host},${port >> 8},${port & 255}).`);
        }
        case 'REST':
          restAt = Number(arg);
          return reply(`350 Restarting at ${restAt}.`);
        case 'LIST':
        case 'NLST':
        case 'MLSD': {
          if (verb === 'MLSD' && !options.mlsd) return reply("500 'MLSD': command not understood.");
          // IIS ignores ls-style options ("-a", "-l") in front of the path.
          const p = resolvePath(arg.replace(/^(-\w+\s*)+/, '') || '.');
          const e = await fsops.entry(p);
          if (!e) {
            dataSocket?.then((s) => s.destroy());
            dataSocket = undefined;
            activeTarget = undefined;
            return reply('550 The system cannot find the file specified.');
          }
          const entries = e.dir ? await fsops.list(p) : [e];
          const lines = entries.map((x) => (verb === 'MLSD' ? mlsdLine(x) : verb === 'NLST' ? x.name : listLine(style, x)));
          return sendData(Buffer.from(lines.map((l) => l + '\r\n').join(''), encoding));
        }
        case 'RETR': {
          const p = resolvePath(arg);
          const e = await fsops.entry(p);
          if (e && !e.dir && options.busyRetr?.test(p)) {
            dataSocket?.then((s) => s.destroy());
            dataSocket = undefined;
            activeTarget = undefined;
            return reply('550 The process cannot access the file because it is being used by another process.');
          }
          if (!e || e.dir || options.denyRetr?.test(p)) {
            dataSocket?.then((s) => s.destroy());
            dataSocket = undefined;
            activeTarget = undefined;
            return reply(e && !e.dir ? '550 Access is denied.' : '550 The system cannot find the file specified.');
          }
          const from = restAt;
          restAt = 0;
          const file = await fsops.read(p);
          return sendData(file.subarray(from), options.cutDataAfter);
        }
        case 'STOR': {
          needDisk();
          const p = resolvePath(arg);
          const s = await takeData();
          if (!s) return;
          try {
            await pipeline(s, createWriteStream(onDisk(p)));
            return complete();
          } catch {
            return reply('426 Connection closed; transfer aborted.');
          }
        }
        case 'SIZE': {
          const e = await fsops.entry(resolvePath(arg));
          return e && !e.dir ? reply(`213 ${e.size}`) : reply('550 The system cannot find the file specified.');
        }
        case 'MDTM': {
          const e = await fsops.entry(resolvePath(arg));
          if (!e) return reply('550 The system cannot find the file specified.');
          return reply(`213 ${mlsdLine(e).match(/modify=(\d+)/)![1]}`);
        }
        case 'DELE':
          needDisk();
          try {
            const p = resolvePath(arg);
            if ((await fsops.entry(p))?.dir) return reply('550 Access is denied.');
            await rm(onDisk(p));
            return reply('250 DELE command successful.');
          } catch {
            return reply('550 The system cannot find the file specified.');
          }
        case 'MKD':
          needDisk();
          try {
            await mkdir(onDisk(resolvePath(arg)));
            return reply(`257 "${resolvePath(arg)}" directory created.`);
          } catch {
            return reply('550 Cannot create a file when that file already exists.');
          }
        case 'RMD':
          needDisk();
          try {
            await rmdir(onDisk(resolvePath(arg)));
            return reply('250 RMD command successful.');
          } catch {
            return reply('550 The directory is not empty.');
          }
        case 'RNFR': {
          needDisk();
          const p = resolvePath(arg);
          if (!(await fsops.entry(p))) return reply('550 The system cannot find the file specified.');
          renameFrom = p;
          return reply('350 Requested file action pending further information.');
        }
        case 'RNTO': {
          needDisk();
          const from = renameFrom;
          renameFrom = undefined;
          if (!from) return reply('503 Bad sequence of commands.');
          const to = resolvePath(arg);
          const refusal = options.refuseRename?.(from, to);
          if (refusal) return reply(refusal);
          // IIS refuses to rename over an existing file.
          if (style === 'dos' && (await fsops.entry(to))) return reply('550 Cannot create a file when that file already exists.');
          try {
            await rename(onDisk(from), onDisk(to));
            return reply('250 RNTO command successful.');
          } catch {
            return reply('550 Access is denied.');
          }
        }
        case 'QUIT':
          await reply('221 Goodbye.');
          control.end();
          return;
        default:
          return reply(`500 '${verb}': command not understood.`);
      }
    };

    if (options.multiline) void reply(`220-${options.system ?? 'scripted test server'}\r\n220-This server answers in several lines.\r\n220 Ready.`);
    else void reply(`220 ${options.system ?? 'scripted test server'}`);

    let buffer = '';
    let chain: Promise<unknown> = Promise.resolve();
    control.on('data', (chunk) => {
      if (stalled) return;
      buffer += chunk.toString(encoding);
      let at: number;
      while ((at = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, at);
        buffer = buffer.slice(at + 2);
        commands.push(line);
        if (options.stallOn?.test(line)) {
          stalled = true; // keep the connection, never answer again
          clearTimeout(idleTimer);
          return;
        }
        // One command at a time, in order, as a real server does.
        chain = chain
          .then(async () => {
            try {
              await handle(line);
            } catch (err) {
              await reply(err instanceof FtpFail ? err.reply : '451 Requested action aborted: local error in processing.');
            }
            armIdle();
          })
          .catch(() => {});
      }
    });
  });
  servers.add(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    commands,
    activePorts,
    connections: () => controls.size,
    passiveConnections: () => passives.size,
    dropConnections: () => {
      for (const s of sockets) s.destroy();
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await Promise.all([...servers].map((s) => new Promise((r) => s.close(r))));
    },
  };
}
