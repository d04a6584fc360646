// Against a real vsftpd that does not do passive mode (pasv_enable=NO, port_enable=YES): the
// default dataMode `auto` falls back to active mode and every REST row works; `passive` gives
// a clear 502 problem body that names the cause. Skipped where vsftpd or root is missing.
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activeListenerCount } from '../../src/ftp/active.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { bytes, sha256 } from '../helpers/http.js';
import { canRunVsftpd, startActiveVsftpd, type ActiveVsftpd } from './vsftpd-active.js';

describe.skipIf(!canRunVsftpd())('vsftpd with pasv_enable=NO', () => {
  let ftp: ActiveVsftpd;
  let gw: TestGateway;
  const big = bytes(5 * 1024 * 1024 + 3, 21);
  const api = (site: string, action: string, path = '') => `${gw.base}/api/v1/sites/${site}/${action}/${path}`;
  const onDisk = (p: string) => join(ftp.root, p);

  beforeAll(async () => {
    ftp = await startActiveVsftpd();
    await writeFile(onDisk('big.bin'), big);
    await writeFile(onDisk('hello.txt'), 'hello from vsftpd\n');
    await writeFile(onDisk('gone.txt'), 'x');
    await mkdir(onDisk('docs'));
    await chmod(onDisk('docs'), 0o777); // created by root: the FTP user must write in it
    gw = await startGateway({
      auto: `${ftp.url}?poolSize=2`,
      passive: `${ftp.url}?poolSize=1&dataMode=passive`,
    });
  });

  afterAll(async () => {
    await gw?.close();
    await ftp?.close();
  });

  it('auto: lists a folder (falling back to active mode)', async () => {
    const res = await fetch(api('auto', 'list'));
    if (res.status !== 200) console.error(await res.text(), await ftp.log());
    expect(res.status).toBe(200);
    const entries = ((await res.json()) as { entries: { name: string; type: string; size: number }[] }).entries;
    expect(entries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'big.bin', type: 'file', size: big.length }),
        expect.objectContaining({ name: 'docs', type: 'directory' }),
      ]),
    );
  });

  it('auto: GET streams a whole file byte for byte', async () => {
    const res = await fetch(api('auto', 'files', 'big.bin'));
    expect(res.status).toBe(200);
    expect(sha256(Buffer.from(await res.arrayBuffer()))).toBe(sha256(big));
  });

  it('auto: Range GET returns exactly the range (REST + RETR over PORT)', async () => {
    const res = await fetch(api('auto', 'files', 'big.bin'), { headers: { range: 'bytes=1048576-2097151' } });
    expect(res.status).toBe(206);
    expect(sha256(Buffer.from(await res.arrayBuffer()))).toBe(sha256(big.subarray(1048576, 2097152)));
    const tail = await fetch(api('auto', 'files', 'big.bin'), { headers: { range: 'bytes=-100' } });
    expect(Buffer.from(await tail.arrayBuffer()).equals(big.subarray(big.length - 100))).toBe(true);
  });

  it('auto: PUT uploads (STOR over PORT), and replaces', async () => {
    const data = bytes(3 * 1024 * 1024 + 11, 3);
    const put = await fetch(api('auto', 'files', 'docs/put.bin'), { method: 'PUT', body: data });
    expect(put.status).toBe(201);
    expect(sha256(await readFile(onDisk('docs/put.bin')))).toBe(sha256(data));
    const again = await fetch(api('auto', 'files', 'docs/put.bin'), { method: 'PUT', body: 'second' });
    expect(again.status).toBe(204);
    expect(await readFile(onDisk('docs/put.bin'), 'utf8')).toBe('second');
  });

  it('auto: mkdir and DELETE', async () => {
    expect((await fetch(api('auto', 'mkdir', 'made/sub'), { method: 'POST' })).status).toBe(201);
    expect((await stat(onDisk('made/sub'))).isDirectory()).toBe(true);
    expect((await fetch(api('auto', 'files', 'gone.txt'), { method: 'DELETE' })).status).toBe(204);
    await expect(stat(onDisk('gone.txt'))).rejects.toThrow();
    expect((await fetch(api('auto', 'files', 'made') + '?recursive=true', { method: 'DELETE' })).status).toBe(204);
    await expect(stat(onDisk('made'))).rejects.toThrow();
  });

  it('auto: remembered active mode, with EPRT, and left no listener open', async () => {
    const pool = (gw.fs as unknown as { sites: Map<string, { backend: { pool: { dataConnection: string } } }> }).sites.get('auto')!.backend.pool;
    expect(pool.dataConnection).toBe('active (EPRT)');
    const log = await ftp.log();
    // One refusal of each passive command for the whole site, then only EPRT.
    expect(log.match(/"EPSV"/g)?.length ?? 0).toBe(1);
    expect(log.match(/"PASV"/g)?.length ?? 0).toBe(1);
    expect(log.match(/"EPRT \|1\|127\.0\.0\.1\|\d+\|"/g)?.length ?? 0).toBeGreaterThanOrEqual(6);
    for (const m of log.matchAll(/"EPRT \|1\|127\.0\.0\.1\|(\d+)\|"/g)) expect(Number(m[1])).toBeGreaterThanOrEqual(1024);
    expect(activeListenerCount()).toBe(0);
  });

  it('passive: answers 502 with a problem body that names the cause', async () => {
    const res = await fetch(api('passive', 'list'));
    expect(res.status).toBe(502);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await res.json()) as { code: string; title: string; detail: string };
    expect(problem.code).toBe('bad_gateway');
    expect(problem.detail).toMatch(/refused passive mode \(EPSV: 550 [^;]*; PASV: 550 [^)]*\)/);
    expect(problem.detail).toContain('dataMode=passive');
    const get = await fetch(api('passive', 'files', 'hello.txt'));
    expect(get.status).toBe(502);
    expect(((await get.json()) as { detail: string }).detail).toContain('refused passive mode');
  });
});

describe.skipIf(!canRunVsftpd())('vsftpd with pasv_enable=NO over explicit FTPS', () => {
  let ftp: ActiveVsftpd;
  let gw: TestGateway;
  const data = bytes(2 * 1024 * 1024 + 5, 17);

  beforeAll(async () => {
    ftp = await startActiveVsftpd({ tls: true });
    await writeFile(join(ftp.root, 'secret.bin'), data);
    gw = await startGateway({ s: `${ftp.url}?poolSize=1&insecure=true` });
  });
  afterAll(async () => {
    await gw?.close();
    await ftp?.close();
  });

  it('wraps the accepted data connections in TLS, resuming the session (require_ssl_reuse=YES)', async () => {
    const api = (action: string, path = '') => `${gw.base}/api/v1/sites/s/${action}/${path}`;
    const list = await fetch(api('list'));
    if (list.status !== 200) console.error(await list.text(), await ftp.log());
    expect(list.status).toBe(200);
    const get = await fetch(api('files', 'secret.bin'));
    expect(sha256(Buffer.from(await get.arrayBuffer()))).toBe(sha256(data));
    const up = bytes(1024 * 1024 + 1, 19);
    const put = await fetch(api('files', 'up.bin'), { method: 'PUT', body: up });
    expect(put.status).toBe(201);
    expect(sha256(await readFile(join(ftp.root, 'up.bin')))).toBe(sha256(up));
    const log = await ftp.log();
    expect(log).toMatch(/"EPRT \|1\|127\.0\.0\.1\|\d+\|"/);
    expect(log).not.toMatch(/session reuse required/i);
    expect(activeListenerCount()).toBe(0);
  });
});
