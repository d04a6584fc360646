// MOVE (RFC 4918 section 9.9): always the whole tree (a Depth other than infinity is 400).
// Locks on the source (and below it, and on its parent) and on the Destination must all be
// submitted, else 423. Within a site the core renames (an existing target is renamed aside
// and removed only once the source is in place); to another site it copies, then deletes the
// source. The source's locks are removed, not moved; its dead properties move with it.
import { GatewayError } from '../../core/errors.js';
import { assertUnlocked } from '../lock-guard.js';
import { DavError, sendStatus } from '../respond.js';
import { depthOf, requestPrecondition, type MethodHandler } from './common.js';
import { readTransfer, transferStatus } from './transfer.js';

export const move: MethodHandler = async (request) => {
  const { shared, state, req, res, pre } = request;
  if (depthOf(req, 'infinity') !== 'infinity') throw new DavError(400);
  const { source, destination, overwrite } = await readTransfer(request, 'move');
  // Checked here too: to another site the core would copy the root before refusing to delete it.
  if (source.path.isRoot) throw new GatewayError('forbidden', 'a site root cannot be moved');
  const precondition = await requestPrecondition(state, source, req);
  assertUnlocked(shared, source, pre.submitted, { deep: true, membership: true });
  assertUnlocked(shared, destination, pre.submitted, { deep: true, membership: true });
  const options = { overwrite, ...(precondition ? { precondition } : {}) };
  let replaced: boolean;
  try {
    const from = state.access(source.site);
    if (source.site === destination.site) {
      ({ replaced } = await shared.fs.move(from, source.path, destination.path, options));
    } else {
      ({ replaced } = await shared.fs.copy(from, source.path, state.access(destination.site), destination.path, options));
      await shared.fs.remove(from, source.path, { recursive: true });
    }
  } finally {
    state.forget();
  }
  shared.props.transfer(source, destination, { move: true, deep: true });
  shared.locks.dropWithin(source);
  sendStatus(res, transferStatus(replaced));
  return 0;
};
