// The WebDAV dispatch table: one handler per method, each one pipeline (parse -> lock and
// If checks -> core -> answer). OPTIONS is answered before any of this (plugin.ts): it needs
// no site, no login and no state. GET, HEAD, PUT, PROPFIND, PROPPATCH, LOCK and UNLOCK keep
// their modules beside plugin.ts; MKCOL, DELETE, COPY and MOVE are in this folder.
import { readBody } from '../body.js';
import { handleGet } from './get.js';
import { assertUnlocked } from '../lock-guard.js';
import { handleLock, handleUnlock } from './lock.js';
import { handlePropfind } from './propfind.js';
import { handleProppatch } from './proppatch.js';
import { handlePut } from './put.js';
import { DavError } from '../respond.js';
import { errorBody } from '../xml.js';
import { depthOf, requestPrecondition, type MethodHandler } from './common.js';
import { copy } from './copy.js';
import { del } from './delete.js';
import { mkcol } from './mkcol.js';
import { move } from './move.js';

const propfind: MethodHandler = async (r) => {
  const depth = depthOf(r.req, '1'); // no Depth: served as 1, bounded
  if (depth !== '0' && depth !== '1') throw new DavError(403, errorBody('propfind-finite-depth'));
  await handlePropfind({ ...r, body: await readBody(r.req), depth: depth === '0' ? 0 : 1 });
  return 0;
};

const proppatch: MethodHandler = async (r) => {
  const body = await readBody(r.req);
  assertUnlocked(r.shared, r.target, r.pre.submitted);
  await requestPrecondition(r.state, r.target, r.req);
  await handleProppatch({ ...r, body });
  return 0;
};

export const METHOD_HANDLERS: Readonly<Record<string, MethodHandler>> = {
  GET: (r) => handleGet({ ...r, head: false }),
  HEAD: (r) => handleGet({ ...r, head: true }),
  PUT: handlePut,
  PROPFIND: propfind,
  PROPPATCH: proppatch,
  MKCOL: mkcol,
  DELETE: del,
  COPY: copy,
  MOVE: move,
  LOCK: async (r) => {
    await handleLock({ ...r, body: await readBody(r.req) });
    return 0;
  },
  UNLOCK: async (r) => {
    handleUnlock(r);
    return 0;
  },
};
