// A real vsftpd of this test file's own (test/servers/vsftpd.sh, fixed port) that the tests kill
// and restart: the server dies mid-upload (the existing file is untouched, the client gets 502,
// the temporary file is removed once the server is back), and the server restarts while
// sessions sit in the pool (reads succeed after reconnecting).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireExternal } from '../helpers/ftp-servers.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { bytes, sha256 } from '../helpers/http.js';
import { openPut, poolQuiet, sleep, tempFiles, waitFor } from './helpers.js';

const run = promisify(execFile);
const script = fileURLToPath(new URL('../servers/vsftpd.sh', import.meta.url));
const canRun = existsSync('/usr/sbin/vsftpd') && (process.getuid?.() === 0 || existsSync('/usr/bin/sudo'));

describe.skipIf(!canRun && !requireExternal)('vsftpd killed and restarted under the gateway', () => {
  let dir: string;
  let root: string;
  let url: string;
  let env: NodeJS.ProcessEnv;
  let gw: TestGateway;
  const data = bytes(1024 * 1024, 61);

  const vsftpd = async (cmd: 'start' | 'stop') => (await run('bash', [script, cmd, dir], { env })).stdout.trim();

  beforeAll(async () => {
    if (!canRun) throw new Error('FTPGATE_REQUIRE_EXTERNAL=1 but this machine cannot run /usr/sbin/vsftpd as root');
    dir = await mkdtemp(join(tmpdir(), 'ftpgate-restart-'));
    await run('chmod', ['755', dir]);
    // A fixed port and passive range, so that a restart comes back at the same address.
    const { stdout } = await run('python3', ['-c', 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])']);
    env = { ...process.env, VSFTPD_PORT: stdout.trim(), VSFTPD_PASV_MIN: '64600', VSFTPD_PASV_MAX: '64699' };
    url = await vsftpd('start');
    root = join(dir, 'root');
    await writeFile(join(root, 'keep.bin'), 'original');
    await writeFile(join(root, 'data.bin'), data);
    await run('chmod', ['777', root]);
    gw = await startGateway({ s: `${url}?poolSize=3&checkAfter=600000&connectTimeout=2000` });
  });

  afterAll(async () => {
    await gw?.close();
    if (dir) {
      await vsftpd('stop').catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    }
  });

  const api = (path: string) => `${gw.base}/api/v1/sites/s/files/${path}`;

  it('dies mid-upload: 502, the existing file untouched, the temporary file removed when the server is back', async () => {
    expect((await fetch(api('keep.bin'))).status).toBe(200);
    const { req, response } = openPut(api('keep.bin'), 50_000_000);
    await new Promise<void>((resolve) => req.write(bytes(2_000_000, 62), () => resolve()));
    expect(await waitFor(async () => (await tempFiles(root)).length > 0, 5000)).toBe(true);
    await vsftpd('stop');
    // Keep sending a little: the gateway must answer even while the body is still coming.
    req.write(bytes(100_000, 63));
    const res = await Promise.race([response, sleep(10_000).then(() => new Error('no answer within 10 s'))]);
    req.destroy();
    expect(res).not.toBeInstanceOf(Error);
    if (!(res instanceof Error)) {
      expect(res.statusCode).toBe(502);
      res.resume();
    }
    expect(await readFile(join(root, 'keep.bin'), 'utf8')).toBe('original');
    // Usually still there: the server is down and nobody can remove it. (vsftpd.sh stops the
    // session processes before the listener, so a cleanup may slip in during the stop.)
    const leftWhileDown = (await tempFiles(root)).length;
    expect(leftWhileDown).toBeLessThanOrEqual(1);
    await sleep(500);
    await vsftpd('start');
    // The gateway retries the cleanup with back-off (1 s, 2 s, 4 s, ...).
    expect(await waitFor(async () => (await tempFiles(root)).length === 0, 20_000, 200)).toBe(true);
    expect(await readFile(join(root, 'keep.bin'), 'utf8')).toBe('original');
  }, 60_000);

  it('restarts while sessions are pooled: reads succeed after reconnecting, then writes too', async () => {
    // Fill the pool with idle sessions.
    await Promise.all([0, 1, 2].map(async () => (await fetch(api('data.bin'))).arrayBuffer()));
    expect(await waitFor(() => poolQuiet(gw, 's') && gw.fs.poolStats('s').idle > 0, 2000)).toBe(true);
    await vsftpd('stop');
    await vsftpd('start');
    const res = await fetch(api('data.bin'));
    expect(res.status).toBe(200);
    expect(sha256(Buffer.from(await res.arrayBuffer()))).toBe(sha256(data));
    const list = await fetch(`${gw.base}/api/v1/sites/s/list/?fresh=1`);
    expect(list.status).toBe(200);
    const put = await fetch(api('after-restart.txt'), { method: 'PUT', body: 'ok' });
    expect(put.status).toBe(201);
    expect(await readFile(join(root, 'after-restart.txt'), 'utf8')).toBe('ok');
    expect(await waitFor(() => poolQuiet(gw, 's'), 2000)).toBe(true);
  }, 30_000);
});
