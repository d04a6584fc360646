// What every WebDAV method handler is given, and the header readings several of them share.
// A handler is one pipeline: parse its headers and body, check locks and preconditions, call
// the core, answer. The If header has been evaluated before (lock-guard.ts): `pre` holds the
// tokens it submitted.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Precondition } from '../../core/types.js';
import { writePrecondition } from '../../http/conditional.js';
import type { DavTarget } from '../dav-path.js';
import type { Preconditions } from '../lock-guard.js';
import type { RequestState } from '../request-state.js';
import { DavError } from '../respond.js';
import type { DavShared } from '../shared.js';

export interface DavRequest {
  shared: DavShared;
  state: RequestState;
  target: DavTarget;
  req: IncomingMessage;
  res: ServerResponse;
  pre: Preconditions;
}

/** One WebDAV method: resolves with the body bytes it moved (for the access log and metrics). */
export type MethodHandler = (request: DavRequest) => Promise<number>;

/** The Depth header, lower-cased, or `absent` when the request has none. */
export function depthOf(req: IncomingMessage, absent: string): string {
  const header = req.headers.depth;
  return typeof header === 'string' ? header.trim().toLowerCase() : absent;
}

/** RFC 4918 section 10.6: "T" or "F"; no header means T; anything else is a bad request. */
export function overwriteOf(req: IncomingMessage): boolean {
  const header = req.headers.overwrite;
  if (header === undefined) return true;
  const value = String(header).trim().toUpperCase();
  if (value !== 'T' && value !== 'F') throw new DavError(400);
  return value === 'T';
}

/**
 * If-Match / If-Unmodified-Since about the request URI: checked now for a quick 412, and
 * returned so that the core checks it again under the commit lock, right before the change.
 */
export async function requestPrecondition(state: RequestState, target: DavTarget, req: IncomingMessage): Promise<Precondition | undefined> {
  const precondition = writePrecondition(req.headers);
  if (!precondition || target.site === undefined) return undefined;
  precondition(target.path.isRoot ? { name: '', type: 'directory', size: 0 } : await state.describe(target.site, target.path));
  return precondition;
}
