// The WebDAV front: /dav/ lists the sites as folders, /dav/{site}/... is the site. The gateway
// authenticates, checks locks and If headers, and answers OPTIONS, GET, HEAD, PUT, PROPFIND,
// PROPPATCH, LOCK and UNLOCK itself; MKCOL, DELETE, COPY and MOVE run through webdav-server
// over GatewayFileSystem (see filesystem.ts for why the rest does not).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RemoteFs } from '../core/remote-fs.js';
import { credentialsFor } from './auth.js';
import { readBody } from './body.js';
import { attachState, createShared, type DavShared } from './context.js';
import { davTargetOf, DAV_PREFIX, engineUrlOf, targetKey, targetWithin, type DavTarget } from './dav-path.js';
import { readDestination } from './destination.js';
import { GatewayError } from '../core/errors.js';
import { createEngine, runEngine } from './engine.js';
import { handleGet } from './get.js';
import { assertUnlocked, checkIfHeader } from './lock-guard.js';
import { handleLock, handleUnlock } from './lock-handler.js';
import { handlePut } from './put.js';
import { RequestState } from './request-state.js';
import { withDavState } from './state-sync.js';
import type { StateStore } from '../state/state.js';
import { DavError, sendError, sendStatus } from './respond.js';
import { handlePropfind } from './propfind.js';
import { handleProppatch } from './proppatch.js';
import { errorBody } from './xml.js';
import { writePrecondition } from '../http/conditional.js';

const EXTRA_METHODS = ['PROPFIND', 'PROPPATCH', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'UNLOCK'] as const;
const METHODS = ['OPTIONS', 'GET', 'HEAD', 'PUT', 'DELETE', ...EXTRA_METHODS];
const ALLOW = METHODS.join(', ');

/** What Windows' mini-redirector, Office, davfs2 and Finder look for before anything else. */
const DAV_HEADERS = { dav: '1, 2', 'ms-author-via': 'DAV', allow: ALLOW };

export async function webdavRoutes(app: FastifyInstance, { fs, state }: { fs: RemoteFs; state?: StateStore }): Promise<void> {
  for (const method of EXTRA_METHODS) {
    if (!app.supportedMethods.includes(method)) app.addHttpMethod(method, { hasBody: true });
  }
  // Bodies stay unread streams in this scope: PUT streams them, the XML methods cap them.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));

  const shared = createShared(fs, state);
  const engine = createEngine(shared);

  // Windows asks the server root whatever was mounted.
  app.options('/', async (_request, reply) => reply.code(200).headers({ ...DAV_HEADERS, 'content-length': '0' }).send());

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    reply.hijack();
    const res = reply.raw;
    try {
      request.transferBytes = await withDavState(shared, request.raw, res, () => serve(shared, engine, request.raw, res));
    } catch (err) {
      sendError(res, err, (e) => request.log.error({ err: e }, 'unexpected WebDAV error'));
    }
  };
  app.route({ method: METHODS, url: DAV_PREFIX, handler });
  app.route({ method: METHODS, url: `${DAV_PREFIX}/*`, handler });
}

async function serve(shared: DavShared, engine: ReturnType<typeof createEngine>, req: IncomingMessage, res: ServerResponse): Promise<number> {
  const method = req.method ?? 'GET';
  const target = davTargetOf(req.url ?? '/');
  if (method === 'OPTIONS') {
    sendStatus(res, 200, DAV_HEADERS);
    return 0;
  }
  if (target.site !== undefined) shared.fs.site(target.site); // 404 for an unknown site
  const state = new RequestState(shared.fs, credentialsFor(shared.fs, req, target));
  const pre = await checkIfHeader(req.headers.if as string | undefined, target, shared, state);
  state.lockTokens = pre.submitted;

  switch (method) {
    case 'GET':
    case 'HEAD':
      return handleGet({ shared, state, target, req, res, head: method === 'HEAD' });
    case 'PUT':
      return handlePut({ shared, state, target, req, res, pre });
    case 'LOCK':
      await handleLock({ shared, state, target, req, res, body: await readBody(req), pre });
      return 0;
    case 'UNLOCK':
      handleUnlock({ shared, target, req, res });
      return 0;
    case 'PROPFIND': {
      const depth = String(req.headers.depth ?? '1').toLowerCase(); // no Depth: served as 1, bounded
      if (depth !== '0' && depth !== '1') throw new DavError(403, errorBody('propfind-finite-depth'));
      await handlePropfind({ shared, state, target, res, body: await readBody(req), depth: depth === '0' ? 0 : 1 });
      return 0;
    }
    case 'PROPPATCH': {
      const body = await readBody(req);
      assertUnlocked(shared, target, pre.submitted);
      await checkWritePrecondition(state, target, req);
      await handleProppatch({ shared, state, target, res, body });
      return 0;
    }
  }

  const body = await readBody(req);
  const headers = { ...req.headers };
  delete headers.if; // evaluated above; the engine's own parser would pass anything, or crash (MKCOL)
  delete headers['transfer-encoding'];
  headers['content-length'] = String(body.length);
  const submitted = pre.submitted;
  // If-Match / If-Unmodified-Since on DELETE, MOVE and COPY: about the request URI, 412 before any change.
  if (method === 'DELETE' || method === 'MOVE' || method === 'COPY') await checkWritePrecondition(state, target, req);

  switch (method) {
    case 'MKCOL':
      if (body.length > 0) throw new DavError(415);
      assertUnlocked(shared, target, submitted, { membership: true });
      break;
    case 'DELETE':
      assertUnlocked(shared, target, submitted, { deep: true, membership: true });
      break;
    case 'MOVE':
    case 'COPY': {
      // One reading of the Destination: the locks checked are on the path the engine is given
      // (as parsed here, with "\\" escaped for the engine: dav-path.ts).
      const destination = readDestination(req);
      headers.destination = DAV_PREFIX + engineUrlOf(destination.target);
      // The engine answers a Destination inside the source with 502; it is a conflict (the core
      // refuses it too, and a Destination that holds the source).
      if (targetWithin(destination.target, target) && targetKey(destination.target) !== targetKey(target)) {
        throw new GatewayError('conflict', `cannot ${method === 'MOVE' ? 'move' : 'copy'} ${target.path} into itself`);
      }
      if (method === 'MOVE') assertUnlocked(shared, target, submitted, { deep: true, membership: true });
      assertUnlocked(shared, destination.target, submitted, { deep: true, membership: true });
      const depth = String(req.headers.depth ?? 'infinity').toLowerCase();
      if (depth !== 'infinity' && (method === 'MOVE' || depth !== '0')) throw new DavError(400);
      // RFC 4918 section 10.6: no Overwrite header means T (the engine reads it as F).
      if (headers.overwrite === undefined) headers.overwrite = 'T';
      break;
    }
  }
  const forEngine = Object.assign(Readable.from(body.length > 0 ? [body] : []), {
    method,
    // The path as parsed here (a raw "#" is part of a name; "\" escaped: the engine would split there).
    url: engineUrlOf(target),
    headers,
  });
  attachState(forEngine, state);
  await runEngine(engine, forEngine as unknown as IncomingMessage, res);
  return 0;
}

async function checkWritePrecondition(state: RequestState, target: DavTarget, req: IncomingMessage): Promise<void> {
  const precondition = writePrecondition(req.headers);
  if (!precondition || target.site === undefined) return;
  precondition(target.path.isRoot ? { name: '', type: 'directory', size: 0 } : await state.describe(target.site, target.path));
  // Checked here for a quick 412; the core checks it again under the commit lock (filesystem.ts).
  state.writePrecondition = { site: target.site, path: target.path, check: precondition };
}

export default webdavRoutes;
