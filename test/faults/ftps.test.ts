// FTPS against vsftpd (test/servers/vsftpd-tls.sh): explicit TLS with require_ssl_reuse=YES (a
// data connection that does not resume the control connection's TLS session is refused) and
// implicit TLS, certificates checked against the test CA. A wrong CA is a clear 502.
// The full REST contract runs over both through ftpServers({ tls: true }).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureByName, siteUrl, type FtpFixture } from '../helpers/ftp-servers.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { bytes, sha256 } from '../helpers/http.js';
import { runFolder } from './helpers.js';

const otherCa = process.env.FTPGATE_TEST_TLS_CERTS ? join(process.env.FTPGATE_TEST_TLS_CERTS, 'other-ca.pem') : '';

for (const name of ['vsftpd-tls', 'vsftpd-implicit']) {
  const factory = fixtureByName(name);
  describe.skipIf(!factory)(`FTPS on ${name}`, () => {
    let ftp: FtpFixture;
    let gw: TestGateway;
    let run: Awaited<ReturnType<typeof runFolder>>;
    const data = bytes(3 * 1024 * 1024, 81);

    beforeAll(async () => {
      ftp = await factory!.start();
      run = await runFolder(ftp, 'ftps');
      await writeFile(join(run.dir, 'data.bin'), data);
      gw = await startGateway({
        good: siteUrl(ftp, run.name, { poolSize: 2 }),
        wrongca: siteUrl(ftp, run.name, { poolSize: 1, ca: otherCa }),
        plain: siteUrl({ url: ftp.url.replace(/^ftps:/, 'ftp:').replace(/\?.*$/, '') }, run.name, { poolSize: 1, connectTimeout: 3000 }),
      });
    });
    afterAll(async () => {
      await gw?.close();
      await run?.remove();
      await ftp?.close();
    });
    const api = (site: string, path: string) => `${gw.base}/api/v1/sites/${site}/${path}`;

    it('lists, downloads (data connections resume the TLS session) and uploads with the test CA', async () => {
      expect(new URL(ftp.url).searchParams.get('ca')).toBeTruthy();
      expect((await fetch(api('good', 'list/'))).status).toBe(200);
      const res = await fetch(api('good', 'files/data.bin'));
      expect(sha256(Buffer.from(await res.arrayBuffer()))).toBe(sha256(data));
      const part = await fetch(api('good', 'files/data.bin'), { headers: { range: 'bytes=5-50004' } });
      expect(sha256(Buffer.from(await part.arrayBuffer()))).toBe(sha256(data.subarray(5, 50005)));
      expect((await fetch(api('good', 'files/up.bin'), { method: 'PUT', body: data })).status).toBe(201);
    });

    it('refuses a server certificate from another CA with a clear 502', async () => {
      expect(otherCa).not.toBe('');
      const res = await fetch(api('wrongca', 'list/'));
      expect(res.status).toBe(502);
      const problem = (await res.json()) as { code: string; detail: string };
      expect(problem.code).toBe('bad_gateway');
      expect(problem.detail).toMatch(/certificate/i);
      expect(gw.fs.poolStats('wrongca').open).toBe(0);
    });

    it('does not fall back to plain FTP: a plain login is refused by the server', async () => {
      const res = await fetch(api('plain', 'list/'));
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).not.toBe(200);
    });
  });
}
