// A gateway with WebDAV over one FTP fixture, and a small client for the tests.
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import type { FtpFixture } from '../helpers/ftp-servers.js';

export interface DavGateway {
  gw: TestGateway;
  /** Basic credentials of the FTP test account (they also open the pass-through site). */
  auth: string;
  user: string;
  password: string;
}

/** Sites: "site" and "other" (fixed account, the same server) and "pt" (pass-through). */
export async function startDavGateway(ftp: FtpFixture): Promise<DavGateway> {
  const url = new URL(ftp.url);
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  const anonymous = `ftp://${url.host}/`;
  // Tests also change files behind the gateway's back: no shared listing cache.
  const fresh = (u: string) => `${u}?listingCacheTtl=0`;
  const gw = await startGateway({ site: fresh(ftp.url), other: fresh(ftp.url), pt: fresh(anonymous) });
  return { gw, user, password, auth: 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64') };
}

export interface DavResponse {
  status: number;
  headers: Headers;
  body: Buffer;
  text: string;
}

export async function dav(
  base: string,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<DavResponse> {
  const body = typeof options.body === 'string' || options.body === undefined ? options.body : new Uint8Array(options.body);
  const res = await fetch(base + path, { method, headers: options.headers, body });
  const received = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, body: received, text: received.toString('utf8') };
}

/** The hrefs of a multistatus body, decoded. */
export function hrefs(xml: string): string[] {
  return [...xml.matchAll(/<D:href>([^<]*)<\/D:href>/g)].map((m) => decodeURIComponent(m[1]!));
}

export const LOCKINFO = (scope: 'exclusive' | 'shared') =>
  `<?xml version="1.0" encoding="utf-8"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:${scope}/></D:lockscope>` +
  `<D:locktype><D:write/></D:locktype><D:owner><D:href>mailto:test@example.com</D:href></D:owner></D:lockinfo>`;
