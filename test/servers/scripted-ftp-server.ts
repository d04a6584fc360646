// A small FTP server of our own for the quirks real servers will not show on demand:
// refused EPSV, PASV replies that name another host, IIS-style answers. Files live in memory.
import { createServer, type Server, type Socket } from 'node:net';

export interface ScriptedOptions {
  /** Files by absolute path. */
  files: Record<string, Buffer>;
  /** Answer EPSV with this reply instead of entering passive mode (e.g. "500 Unknown command"). */
  refuseEpsv?: string;
  /** The address a PASV reply advertises; the data listener is always on 127.0.0.1. */
  pasvAddress?: string;
  /** Reply code before a transfer: 150, or 125 as Microsoft FTP 7.5 sends. */
  preliminary?: 125 | 150;
  /** Listing style. */
  listStyle?: 'unix' | 'dos';
  /** Called with each passive port before the reply is sent (a test can set a canary on the advertised host). */
  onPassivePort?: (port: number) => Promise<void>;
  /** Turn away this many first connections with "421 Too many connections". */
  busyConnections?: number;
  /** Greeting line after 220. */
  system?: string;
}

export interface ScriptedServer {
  port: number;
  commands: string[];
  close(): Promise<void>;
}

function listLine(style: 'unix' | 'dos', name: string, size: number): string {
  if (style === 'dos') return `11-22-26  02:08PM ${String(size).padStart(20)} ${name}`;
  return `-rw-r--r--    1 1000     1000     ${String(size).padStart(8)} Nov 20 10:00 ${name}`;
}

export async function startScriptedServer(options: ScriptedOptions): Promise<ScriptedServer> {
  const commands: string[] = [];
  const sockets = new Set<Socket>();
  const servers = new Set<Server>();

  let turnAway = options.busyConnections ?? 0;
  const server = createServer((control) => {
    sockets.add(control);
    if (turnAway > 0) {
      turnAway--;
      control.on('error', () => {});
      control.end('421 Too many connections, try later\r\n');
      return;
    }
    control.on('close', () => sockets.delete(control));
    control.on('error', () => {});
    let dataServer: Server | undefined;
    let dataSocket: Promise<Socket> | undefined;
    let restAt = 0;
    const reply = (line: string) => control.write(line + '\r\n');

    const openPassive = (): Promise<number> =>
      new Promise((resolve) => {
        dataServer?.close();
        const ds = createServer();
        servers.add(ds);
        dataServer = ds;
        dataSocket = new Promise((accept) =>
          ds.once('connection', (s) => {
            sockets.add(s);
            s.on('error', () => {}); // a client may cut a transfer short
            accept(s);
          }),
        );
        ds.listen(0, '127.0.0.1', async () => {
          const port = (ds.address() as { port: number }).port;
          await options.onPassivePort?.(port);
          resolve(port);
        });
      });

    const transfer = async (send: (s: Socket) => void) => {
      if (!dataSocket) return reply('425 Use PASV first');
      reply(`${options.preliminary ?? 150} Opening data connection`);
      const s = await dataSocket;
      dataSocket = undefined;
      send(s);
      s.end(() => reply('226 Transfer complete'));
    };

    reply(`220 ${options.system ?? 'scripted test server'}`);
    let buffer = '';
    control.on('data', async (chunk) => {
      buffer += chunk.toString('utf8');
      let at: number;
      while ((at = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, at);
        buffer = buffer.slice(at + 2);
        commands.push(line);
        const [verb = '', ...rest] = line.split(' ');
        const arg = rest.join(' ');
        switch (verb.toUpperCase()) {
          case 'USER': reply('331 Password required'); break;
          case 'PASS': reply('230 Logged in'); break;
          case 'FEAT': reply('211-Features:\r\n SIZE\r\n REST STREAM\r\n211 End'); break;
          case 'SYST': reply(`215 ${options.listStyle === 'dos' ? 'Windows_NT' : 'UNIX Type: L8'}`); break;
          case 'TYPE': case 'STRU': case 'NOOP': reply('200 OK'); break;
          case 'OPTS': reply('501 Not supported'); break;
          case 'EPSV':
            if (options.refuseEpsv) reply(options.refuseEpsv);
            else reply(`229 Entering Extended Passive Mode (|||${await openPassive()}|)`);
            break;
          case 'PASV': {
            const port = await openPassive();
            const host = (options.pasvAddress ?? '127.0.0.1').replace(/\./g, ',');
            reply(`227 Entering Passive Mode (${host},${port >> 8},${port & 255})`);
            break;
          }
          case 'REST': restAt = Number(arg); reply(`350 Restarting at ${restAt}`); break;
          case 'LIST': {
            const dir = arg.replace(/^-a\s*/, '') || '/';
            const prefix = dir.endsWith('/') ? dir : dir + '/';
            const lines = Object.entries(options.files)
              .filter(([p]) => p.startsWith(prefix) && !p.slice(prefix.length).includes('/'))
              .map(([p, b]) => listLine(options.listStyle ?? 'unix', p.slice(prefix.length), b.length));
            await transfer((s) => s.write(lines.map((l) => l + '\r\n').join('')));
            break;
          }
          case 'RETR': {
            const file = options.files[arg];
            if (!file) {
              dataSocket?.then((s) => s.destroy());
              dataSocket = undefined;
              reply('550 No such file');
              break;
            }
            const from = restAt;
            restAt = 0;
            await transfer((s) => s.write(file.subarray(from)));
            break;
          }
          case 'QUIT': reply('221 Bye'); control.end(); break;
          default: reply('502 Command not implemented');
        }
      }
    });
  });
  servers.add(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    commands,
    close: async () => {
      for (const s of sockets) s.destroy();
      await Promise.all([...servers].map((s) => new Promise((r) => s.close(r))));
    },
  };
}
