// The processes the benchmark measures: vsftpd (through test/servers/vsftpd.sh), the gateway
// (dist/cli.js as a child process) and rclone serve http|webdav over the same FTP server.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, run, sleep, waitFor } from './util.mjs';

export async function startVsftpd(repo, dir) {
  const script = join(repo, 'test/servers/vsftpd.sh');
  const res = await run('bash', [script, 'start', dir], { timeoutMs: 120_000 });
  if (res.code !== 0) throw new Error(`vsftpd did not start:\n${res.stderr}`);
  const url = new URL(res.stdout.trim().split('\n').pop());
  return {
    url: url.href,
    host: url.hostname,
    port: Number(url.port),
    user: decodeURIComponent(url.username),
    pass: decodeURIComponent(url.password),
    root: join(dir, 'root'),
    stop: () => run('bash', [script, 'stop', dir], { timeoutMs: 30_000 }),
  };
}

/** Start a long-running child; resolves once `ready(stderr+stdout so far)` is true. */
function startChild(name, cmd, args, { ready, env, cwd, timeoutMs = 20_000 }) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    let done = false;
    const onData = (d) => {
      log = (log + d).slice(-20_000);
      if (!done && ready(log)) {
        done = true;
        clearTimeout(timer);
        resolve(handle);
      }
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', onData);
    const exited = new Promise((r) => child.on('exit', (code, signal) => r({ code, signal })));
    const handle = {
      name,
      pid: child.pid,
      child,
      exited,
      get log() {
        return log;
      },
      /** SIGTERM, then SIGKILL after `graceMs`. */
      async stop(graceMs = 10_000) {
        if (child.exitCode !== null || child.signalCode !== null) return exited;
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
        const r = await exited;
        clearTimeout(t);
        return r;
      },
    };
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      child.kill('SIGKILL');
      reject(new Error(`${name} did not become ready within ${timeoutMs} ms:\n${log}`));
    }, timeoutMs);
    child.on('error', (err) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      reject(err);
    });
    child.on('exit', (code) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before it was ready:\n${log}`));
    });
  });
}

/**
 * The gateway with a `bench` site (pool `poolSize`) and a `nocache` site (listing cache off,
 * to show what an uncached LIST costs). `cpuProfDir` runs it under --cpu-prof.
 */
export async function startGateway(gatewayRoot, ftp, { poolSize = 8, cpuProfDir, nodeOptions, siteOptions, dataDir, logLevel = 'warn' } = {}) {
  const cli = join(gatewayRoot, 'dist/cli.js');
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first`);
  const port = await freePort();
  const base = `ftp://${encodeURIComponent(ftp.user)}:${encodeURIComponent(ftp.pass)}@${ftp.host}:${ftp.port}/`;
  const args = [
    ...(cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfDir] : []),
    ...shebangFlags(cli), // the V8 flags the installed command runs with (dist/cli.js's first line)
    cli,
    '--site',
    `bench=${base}?poolSize=${poolSize}${siteOptions ? `&${siteOptions}` : ''}`,
    '--site',
    `nocache=${base}?poolSize=2&listingCacheTtl=0`,
    '--listen',
    `127.0.0.1:${port}`,
    '--log-level',
    logLevel,
    // Its own state folder: one under the user's home would be refused while another gateway
    // (a test run, a second bench) holds it.
    ...(dataDir ? ['--data-dir', dataDir] : []),
  ];
  const env = nodeOptions ? { ...process.env, NODE_OPTIONS: nodeOptions } : process.env;
  const gw = await startChild('gateway', process.execPath, args, { cwd: gatewayRoot, env, ready: (log) => /listening on/.test(log) });
  return { ...gw, stop: gw.stop, base: `http://127.0.0.1:${port}`, port, args };
}

/** bench/lib/relay.mjs: the bare relay over the same FTP server (the floor for Node on this machine), with `sessions` FTP sessions. */
export async function startRelay(ftp, sessions = 1) {
  const port = await freePort();
  const relay = await startChild('relay', process.execPath, [join(import.meta.dirname, 'relay.mjs'), ftp.url, String(port), String(sessions)], { ready: (log) => /listening/.test(log) });
  return { ...relay, base: `http://127.0.0.1:${port}` };
}

export function rcloneInstalled() {
  return ['/usr/bin/rclone', '/usr/local/bin/rclone'].some((p) => existsSync(p));
}

export async function startRclone(kind, ftp) {
  const port = await freePort();
  const obscured = (await run('rclone', ['obscure', ftp.pass], { timeoutMs: 10_000 })).stdout.trim();
  const args = [
    'serve',
    kind,
    ':ftp:',
    '--ftp-host',
    ftp.host,
    '--ftp-port',
    String(ftp.port),
    '--ftp-user',
    ftp.user,
    '--ftp-pass',
    obscured,
    '--addr',
    `127.0.0.1:${port}`,
  ];
  // No config file: every setting is on the command line.
  const env = { ...process.env, RCLONE_CONFIG: '/dev/null' };
  // rclone prints nothing once it listens (log level NOTICE): probe the port instead.
  const proc = spawn('rclone', args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr.setEncoding('utf8').on('data', (d) => (log = (log + d).slice(-10_000)));
  const exited = new Promise((r) => proc.on('exit', (code, signal) => r({ code, signal })));
  const base = `http://127.0.0.1:${port}`;
  await waitFor(`rclone serve ${kind} on ${port}`, async () => {
    if (proc.exitCode !== null) throw new Error(`rclone serve ${kind} exited: ${log}`);
    const res = await fetch(base + '/', { method: kind === 'webdav' ? 'PROPFIND' : 'GET', headers: { depth: '0' } });
    await res.arrayBuffer();
    return res.status < 500;
  });
  return {
    name: `rclone-${kind}`,
    pid: proc.pid,
    base,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return exited;
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(t);
      await sleep(0);
    },
  };
}

/** The V8 flags on dist/cli.js's shebang line, which the installed command runs with. */
export function shebangFlags(script) {
  const first = readFileSync(script, 'utf8').split('\n', 1)[0];
  const m = /^#!\S*env -S node((?:\s+--\S+)*)\s*$/.exec(first);
  return m ? m[1].trim().split(/\s+/).filter(Boolean) : [];
}
