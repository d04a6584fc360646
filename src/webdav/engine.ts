// webdav-server v2, set up as the protocol engine behind the gateway: no authentication of
// its own (the gateway authenticates and enforces locks before a request gets here), our
// FileSystem at the root, hrefs as paths under /dav, and GatewayErrors mapped to statuses.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { v2 as webdav } from 'webdav-server';
import { GatewayError } from '../core/errors.js';
import type { DavShared } from './context.js';
import { DAV_PREFIX } from './dav-path.js';
import { GatewayFileSystem } from './filesystem.js';
import { WWW_AUTHENTICATE } from './respond.js';

/**
 * The engine sees one all-powerful user: locks are enforced by token in lock-guard.ts, and
 * the FTP login behind each request decides what it may do.
 */
const GATEWAY_USER = { uid: 'ftpgate', username: 'ftpgate', isAdministrator: true, isDefaultUser: false };

const noAuthentication = {
  askForAuthentication: () => ({}),
  getUser: (_ctx: unknown, callback: (error: Error | undefined, user: typeof GATEWAY_USER) => void) => callback(undefined, GATEWAY_USER),
};

// The engine builds hrefs with encodeURI, which leaves "#" and "?" as they are: a name with
// either would end the path in every client. Escape them too.
const encodeURL = webdav.HTTPRequestContext.encodeURL.bind(webdav.HTTPRequestContext);
webdav.HTTPRequestContext.encodeURL = (url: string) => encodeURL(url).replace(/[#?]/g, (c) => (c === '#' ? '%23' : '%3F'));

/** Headers the engine sets on every response that we do not want: it sends "*" with credentials. */
const DROPPED_HEADERS = ['access-control-allow-origin', 'access-control-allow-credentials', 'access-control-expose-headers'];

export function createEngine(shared: DavShared): webdav.WebDAVServer {
  const server = new webdav.WebDAVServer({
    rootFileSystem: new GatewayFileSystem(shared),
    httpAuthentication: noAuthentication as unknown as webdav.HTTPAuthentication,
    respondWithPaths: true,
    maxRequestDepth: 1,
    serverName: 'ftpgate',
    version: '1',
    headers: { server: 'ftpgate' },
  });
  server.beforeRequest((ctx, next) => {
    for (const name of DROPPED_HEADERS) ctx.response.removeHeader(name);
    // GatewayErrors carry their status; the engine would answer 500 for any error it does not know.
    const ownMapping = ctx.setCodeFromError.bind(ctx);
    ctx.setCodeFromError = (error: Error) => {
      if (!(error instanceof GatewayError)) return ownMapping(error);
      ctx.setCode(error.status);
      if (error.status === 401) ctx.response.setHeader('www-authenticate', WWW_AUTHENTICATE);
      if (error.retryAfter !== undefined) ctx.response.setHeader('retry-after', String(error.retryAfter));
      return true;
    };
    next();
  });
  return server;
}

/** Run one request through the engine; resolves when the response is finished. */
export function runEngine(server: webdav.WebDAVServer, req: IncomingMessage, res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    res.once('close', () => resolve());
    server.executeRequest(req, res, DAV_PREFIX);
  });
}
