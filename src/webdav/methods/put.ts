// PUT: the body streams to FTP through RemoteFs.write (a temporary name renamed over the
// target when complete), and the status is sent only once the server has the whole file: a
// failure after the last byte is an error, never a 201. Preconditions and locks are checked
// again by the core under the target's commit lock, right before the rename.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError } from '../../core/errors.js';
import { limitBody } from '../../http/body-limit.js';
import { noneMatchHits, writePrecondition } from '../../http/conditional.js';
import { guardUpload } from '../../http/stall-guard.js';
import type { DavShared } from '../shared.js';
import type { DavTarget } from '../dav-path.js';
import { assertUnlocked, type Preconditions } from '../lock-guard.js';
import type { RequestState } from '../request-state.js';
import { DavError, sendStatus } from '../respond.js';

export interface PutRequest {
  shared: DavShared;
  state: RequestState;
  target: DavTarget;
  req: IncomingMessage;
  res: ServerResponse;
  pre: Preconditions;
}

export async function handlePut({ shared, state, target, req, res, pre }: PutRequest): Promise<number> {
  if (target.site === undefined || target.path.isRoot) throw new DavError(405, undefined, { allow: 'OPTIONS, PROPFIND, GET, HEAD' });
  // Fresh, with the precise time: the validators compared are the ones GET and PROPFIND Depth 0 give.
  const existing = await shared.fs.describe(state.access(target.site), target.path, true);
  if (existing?.type === 'directory') throw new DavError(405, undefined, { allow: 'OPTIONS, PROPFIND, PROPPATCH, GET, HEAD, DELETE, MOVE, COPY, LOCK, UNLOCK' });
  const ifNoneMatch = req.headers['if-none-match'];
  if (typeof ifNoneMatch === 'string' && noneMatchHits(ifNoneMatch, existing)) throw new DavError(412);
  // If-Match / If-Unmodified-Since: checked now, and again under the commit lock before the rename.
  const precondition = writePrecondition(req.headers);
  precondition?.(existing);

  const guard = () => assertUnlocked(shared, target, pre.submitted, { membership: !existing });
  guard();
  try {
    const access = state.access(target.site);
    // The upload size limit holds here as on the REST front: a declared length past it is
    // refused now (413), a longer chunked body when it ends, before the rename (old file kept).
    const limited = limitBody(req, shared.uploadLimitBytes);
    const result = await guardUpload(req, res, access.site).race(shared.fs.write(access, target.path, limited.body, {
      overwrite: ifNoneMatch !== '*',
      ...(precondition ? { precondition } : {}),
      beforeCommit: () => {
        limited.check();
        guard(); // a lock taken by someone else during the upload wins: the upload is abandoned
      },
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
