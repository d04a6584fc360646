// /readyz with one FTP server down: the gateway stays ready while another site is reachable
// (a load balancer must not drop every gateway for one server), unless the operator marked the
// down site `required`; each site's state shows in the body and as a gauge in /metrics.
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureByName, inProcessServer, siteUrl, type FtpFixture } from '../helpers/ftp-servers.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

/** A port nothing listens on (bound, then closed): connections to it are refused. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

function gauge(text: string, line: RegExp): number | undefined {
  const m = text.split('\n').map((l) => line.exec(l)).find(Boolean);
  return m ? Number(m[1]) : undefined;
}

const servers = [inProcessServer, fixtureByName('vsftpd')].filter((f) => f !== undefined);

describe.each(servers.map((f) => [f.name, f] as const))('readiness with one unreachable site (%s up)', (_name, factory) => {
  let ftp: FtpFixture;
  let down: string;
  const gateways: TestGateway[] = [];
  beforeAll(async () => {
    ftp = await factory.start();
    down = `ftp://u:p@127.0.0.1:${await closedPort()}/?connectTimeout=1000`;
  });
  afterAll(async () => {
    for (const gw of gateways) await gw.close();
    await ftp?.close();
  });
  const start = async (sites: Record<string, string>) => {
    const gw = await startGateway(sites);
    gateways.push(gw);
    return gw;
  };

  it('is ready while another site is reachable, and reports each site in the body and in /metrics', async () => {
    const gw = await start({ up: siteUrl(ftp), down });
    const res = await fetch(`${gw.base}/readyz`);
    const body = (await res.json()) as { status: string; sites: Record<string, string> };
    expect(res.status).toBe(200);
    expect(body.status).toBe('ready');
    expect(body.sites.up).toBe('ok');
    expect(body.sites.down).toMatch(/refused|ECONNREFUSED|reach/i);
    const metrics = await (await fetch(`${gw.base}/metrics`)).text();
    expect(gauge(metrics, /^ftpgate_site_up\{site="up"\} (\S+)$/)).toBe(1);
    expect(gauge(metrics, /^ftpgate_site_up\{site="down"\} (\S+)$/)).toBe(0);
    expect(gauge(metrics, /^ftpgate_ready (\S+)$/)).toBe(1);
  });

  it('is unavailable when a site marked required is down, even with others up', async () => {
    const gw = await start({ up: siteUrl(ftp), down: `${down}&required=true` });
    const res = await fetch(`${gw.base}/readyz`);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { sites: Record<string, string> }).sites.up).toBe('ok');
    const metrics = await (await fetch(`${gw.base}/metrics`)).text();
    expect(gauge(metrics, /^ftpgate_ready (\S+)$/)).toBe(0);
  });

  it('is ready when the required site is up and an optional one is down', async () => {
    const gw = await start({ up: siteUrl(ftp, '', { required: true }), down });
    expect((await fetch(`${gw.base}/readyz`)).status).toBe(200);
  });

  it('is unavailable when no site is reachable', async () => {
    const gw = await start({ down, other: down });
    const res = await fetch(`${gw.base}/readyz`);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { status: string }).status).toBe('unavailable');
  });
});
