// The WebDAV front: /dav/ lists the sites as folders, /dav/{site}/... is the site. Every
// request is authenticated, its If header evaluated, then handed to its method's handler
// (methods/index.ts), which checks locks and calls the core.
import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RemoteFs } from '../core/remote-fs.js';
import type { StateStore } from '../state/state.js';
import { authenticate } from './auth.js';
import { davTargetOf, DAV_PREFIX } from './dav-path.js';
import { checkIfHeader } from './lock-guard.js';
import { METHOD_HANDLERS } from './methods/index.js';
import { RequestState } from './request-state.js';
import { sendError, sendStatus } from './respond.js';
import { createShared, type DavShared } from './shared.js';
import { withDavState } from './state-sync.js';

const METHODS = ['OPTIONS', ...Object.keys(METHOD_HANDLERS)];
const ALLOW = METHODS.join(', ');

/** What Windows' mini-redirector, Office, davfs2 and Finder look for before anything else. */
const DAV_HEADERS = { dav: '1, 2', 'ms-author-via': 'DAV', allow: ALLOW };

export async function webdavPlugin(
  app: FastifyInstance,
  { fs, state, uploadLimitBytes }: { fs: RemoteFs; state?: StateStore; uploadLimitBytes?: number },
): Promise<void> {
  for (const method of METHODS) {
    if (!app.supportedMethods.includes(method)) app.addHttpMethod(method, { hasBody: true });
  }
  // Bodies stay unread streams in this scope: PUT streams them, the XML methods cap them.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));

  const shared = createShared(fs, state, uploadLimitBytes);

  // Windows asks the server root whatever was mounted.
  app.options('/', async (_request, reply) => reply.code(200).headers({ ...DAV_HEADERS, 'content-length': '0' }).send());

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    reply.hijack();
    const res = reply.raw;
    try {
      request.transferBytes = await withDavState(shared, request.raw, res, () => serve(shared, request, res));
    } catch (err) {
      sendError(res, err, (e) => request.log.error({ err: e }, 'unexpected WebDAV error'));
    }
  };
  app.route({ method: METHODS, url: DAV_PREFIX, handler });
  app.route({ method: METHODS, url: `${DAV_PREFIX}/*`, handler });
}

async function serve(shared: DavShared, request: FastifyRequest, res: ServerResponse): Promise<number> {
  const req = request.raw;
  const method = req.method ?? 'GET';
  const target = davTargetOf(req.url ?? '/');
  if (method === 'OPTIONS') {
    sendStatus(res, 200, DAV_HEADERS);
    return 0;
  }
  if (target.site !== undefined) shared.fs.site(target.site); // 404 for an unknown site
  const state = new RequestState(shared.fs, authenticate(shared.fs, request, target));
  const pre = await checkIfHeader(req.headers.if as string | undefined, target, shared, state);
  state.lockTokens = pre.submitted;
  const handler = METHOD_HANDLERS[method];
  if (!handler) throw new Error(`no WebDAV handler for ${method}`); // routes are registered for METHODS only
  return handler({ shared, state, target, req, res, pre });
}
