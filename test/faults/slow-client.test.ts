// A slow HTTP client (100 kB/s) downloading a 1 GiB file: back-pressure must hold the FTP data
// connection, so the gateway (a child process, `node dist/cli.js`) does not buffer the file.
// Measured as VmRSS growth while the client reads; without back-pressure the gateway would pull
// the file at loopback speed and grow by hundreds of MB within seconds.
import { open } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessServer, type FtpFixture } from '../helpers/ftp-servers.js';
import { cliBuilt, startChildGateway, type ChildGateway } from './child-gateway.js';
import { sleep } from './helpers.js';

const GiB = 1024 ** 3;

describe.skipIf(!cliBuilt)('a slow HTTP client', () => {
  let ftp: FtpFixture;
  let gw: ChildGateway;

  beforeAll(async () => {
    ftp = await inProcessServer.start();
    const f = await open(join(ftp.root, 'huge.bin'), 'w');
    await f.truncate(GiB); // sparse: costs no disk
    await f.close();
    gw = await startChildGateway({ s: ftp.url });
  });
  afterAll(async () => {
    await gw?.close();
    await ftp?.close();
  });

  it('reading 100 kB/s of a 1 GiB file does not make the gateway buffer it', async () => {
    const rate = 100 * 1024; // bytes per second
    const seconds = 8;
    const url = new URL(`${gw.base}/api/v1/sites/s/files/huge.bin`);
    const samples: number[] = [];
    let received = 0;
    await new Promise<void>((resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port, path: url.pathname }, (res) => {
        expect(res.statusCode).toBe(200);
        expect(Number(res.headers['content-length'])).toBe(GiB);
        const started = Date.now();
        res.on('data', (chunk: Buffer) => {
          received += chunk.length;
          // Stay at `rate` bytes per second: pause until the budget allows the next chunk.
          const ahead = received / rate - (Date.now() - started) / 1000;
          if (ahead > 0) {
            res.pause();
            setTimeout(() => res.resume(), ahead * 1000);
          }
        });
        const sampler = setInterval(() => {
          samples.push(gw.rss());
          if (Date.now() - started > seconds * 1000) {
            clearInterval(sampler);
            req.destroy();
            resolve();
          }
        }, 500);
        res.on('error', () => {});
      });
      req.on('error', (e) => (received > 0 ? undefined : reject(e)));
      req.end();
    });
    const first = samples[0]!;
    const peak = Math.max(...samples);
    const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
    console.log(`slow client: ${mb(received)} MiB read in ${seconds} s; gateway RSS first ${mb(first)} MiB, peak ${mb(peak)} MiB`);
    expect(received).toBeGreaterThan(rate * (seconds - 2));
    expect(received).toBeLessThan(rate * (seconds + 2) + 2 * 1024 * 1024);
    expect(peak - first).toBeLessThan(32 * 1024 * 1024);
    // The gateway is still healthy and the aborted transfer did not wedge the site.
    await sleep(300);
    expect(gw.alive()).toBe(true);
    expect((await fetch(`${gw.base}/api/v1/sites/s/list/`)).status).toBe(200);
  }, 30_000);
});
