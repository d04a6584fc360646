// PUT: the body streams to FTP through RemoteFs.write (a temporary name renamed over the
// target when complete), and the status is sent only once the server has the whole file: a
// failure after the last byte is an error, never a 201.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError } from '../core/errors.js';
import { etagOf } from '../http/conditional.js';
import { guardUpload } from '../http/stall-guard.js';
import type { DavShared } from './context.js';
import type { DavTarget } from './dav-path.js';
import { assertUnlocked, type Preconditions } from './lock-guard.js';
import type { RequestState } from './request-state.js';
import { DavError, sendStatus } from './respond.js';

export interface PutRequest {
  shared: DavShared;
  state: RequestState;
  target: DavTarget;
  req: IncomingMessage;
  res: ServerResponse;
  pre: Preconditions;
}

function matches(header: string, etag: string | undefined): boolean {
  if (header.trim() === '*') return etag !== undefined;
  const weakless = (t: string) => t.trim().replace(/^W\//, '');
  return etag !== undefined && header.split(',').some((t) => weakless(t) === weakless(etag));
}

export async function handlePut({ shared, state, target, req, res, pre }: PutRequest): Promise<number> {
  if (target.site === undefined || target.path.isRoot) throw new DavError(405, undefined, { allow: 'OPTIONS, PROPFIND, GET, HEAD' });
  const existing = await state.find(target.site, target.path);
  if (existing?.type === 'directory') throw new DavError(405, undefined, { allow: 'OPTIONS, PROPFIND, PROPPATCH, GET, HEAD, DELETE, MOVE, COPY, LOCK, UNLOCK' });
  const etag = existing ? etagOf(existing) : undefined;
  const ifMatch = req.headers['if-match'];
  const ifNoneMatch = req.headers['if-none-match'];
  if (typeof ifMatch === 'string' && !matches(ifMatch, etag)) throw new DavError(412);
  if (typeof ifNoneMatch === 'string' && matches(ifNoneMatch, etag)) throw new DavError(412);

  const guard = () => assertUnlocked(shared, target, pre.submitted, { membership: !existing });
  guard();
  try {
    const access = state.access(target.site);
    const result = await guardUpload(req, res, access.site).race(shared.fs.write(access, target.path, req, {
      overwrite: ifNoneMatch !== '*',
      // A lock taken by someone else during the upload wins: the upload is abandoned.
      beforeCommit: guard,
    }));
    sendStatus(res, result.created ? 201 : 204);
    return result.bytes;
  } catch (err) {
    if (err instanceof GatewayError && err.code === 'target_exists') throw new DavError(412);
    throw err;
  } finally {
    state.forget();
  }
}
