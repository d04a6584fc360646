// The access log: one line per request with what an operator needs, and no credentials,
// even at debug level where FTP commands are logged.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessServer, type FtpFixture } from '../helpers/ftp-servers.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { basic } from '../helpers/http.js';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

describe('logging', () => {
  let ftp: FtpFixture;
  let gw: TestGateway;
  let log = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      log += chunk.toString();
      cb();
    },
  });

  beforeAll(async () => {
    ftp = await inProcessServer.start();
    await writeFile(join(ftp.root, 'f.txt'), 'twelve bytes');
    const url = new URL(ftp.url);
    gw = await startGateway(
      { fixed: ftp.url, pass: `ftp://127.0.0.1:${url.port}/` },
      { logLevel: 'debug' },
      sink,
    );
  });
  afterAll(async () => {
    await gw?.close();
    await ftp?.close();
  });

  it('writes one line per request with site, path, status, bytes and duration', async () => {
    await (await fetch(`${gw.base}/api/v1/sites/fixed/files/f.txt`)).text();
    const line = log
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.msg === 'request' && l.path === '/api/v1/sites/fixed/files/f.txt');
    expect(line).toMatchObject({ site: 'fixed', status: 200, bytes: 12, method: 'GET' });
    expect(typeof line?.ms).toBe('number');
    expect(typeof line?.reqId).toBe('string');
  });

  it('never writes passwords or Authorization headers, even with FTP commands at debug level', async () => {
    const secretUser = 'test';
    const wrong = 'Wr0ng-Secret-Value';
    await fetch(`${gw.base}/api/v1/sites/pass/list/`, { headers: { authorization: basic(secretUser, wrong) } });
    await fetch(`${gw.base}/api/v1/sites/pass/list/`, { headers: { authorization: basic('test', 'test-pw') } });
    await fetch(`${gw.base}/api/v1/sites/fixed/list/`);
    expect(log).toContain('> USER test'); // FTP commands are there...
    expect(log).toContain('PASS ***'); // ...with the password masked
    for (const secret of ['test-pw', wrong, basic('test', 'test-pw').slice(6), basic(secretUser, wrong).slice(6)]) {
      expect(log).not.toContain(secret);
    }
    expect(log.toLowerCase()).not.toContain('authorization');
  });
});
