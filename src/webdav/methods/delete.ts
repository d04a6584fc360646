// DELETE (RFC 4918 section 9.6): a collection goes with everything in it, as Depth infinity
// (any other Depth on a collection is 400). A lock on the resource, on anything below it or on
// its parent folder must be submitted, else 423 naming the lock roots. The dead properties and
// locks of the removed tree go with it. 204 when done.
import { GatewayError } from '../../core/errors.js';
import { readBody } from '../body.js';
import { assertUnlocked } from '../lock-guard.js';
import { DavError, sendStatus } from '../respond.js';
import { depthOf, requestPrecondition, type MethodHandler } from './common.js';

export const del: MethodHandler = async ({ shared, state, target, req, res, pre }) => {
  await readBody(req); // none expected; read (capped) and ignored
  if (target.site === undefined || target.path.isRoot) {
    if (target.site !== undefined) shared.fs.site(target.site); // an unknown site is 404
    throw new GatewayError('forbidden', target.site === undefined ? 'the site list cannot be deleted' : 'a site root cannot be deleted');
  }
  const { site, path } = target;
  const entry = await state.find(site, path);
  if (!entry) throw new GatewayError('not_found', `${path} does not exist`);
  if (entry.type === 'directory' && depthOf(req, 'infinity') !== 'infinity') throw new DavError(400);
  const precondition = await requestPrecondition(state, target, req);
  assertUnlocked(shared, target, pre.submitted, { deep: true, membership: true });
  try {
    // The core checks the locks again and the precondition under the commit lock.
    await shared.fs.remove(state.access(site), path, { recursive: true, ...(precondition ? { precondition } : {}) });
  } finally {
    state.forget();
  }
  shared.props.drop(target);
  shared.locks.dropWithin(target);
  sendStatus(res, 204);
  return 0;
};
