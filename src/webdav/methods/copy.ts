// COPY (RFC 4918 section 9.8): Depth infinity (the default) copies a folder with everything in
// it, Depth 0 the folder alone; any other Depth is 400. Locks on the Destination (and below it,
// and on its parent) must be submitted; the source's own locks do not travel, its dead
// properties do. The core copies through the gateway into a temporary name and replaces the
// target only when complete; Overwrite F with a target there is 412.
import { assertUnlocked } from '../lock-guard.js';
import { DavError, sendStatus } from '../respond.js';
import { depthOf, requestPrecondition, type MethodHandler } from './common.js';
import { readTransfer, transferStatus } from './transfer.js';

export const copy: MethodHandler = async (request) => {
  const { shared, state, req, res, pre } = request;
  const depth = depthOf(req, 'infinity');
  if (depth !== 'infinity' && depth !== '0') throw new DavError(400);
  const { source, destination, overwrite } = await readTransfer(request, 'copy');
  const shallow = depth === '0';
  const precondition = await requestPrecondition(state, source, req);
  assertUnlocked(shared, destination, pre.submitted, { deep: true, membership: true });
  let replaced: boolean;
  try {
    ({ replaced } = await shared.fs.copy(state.access(source.site), source.path, state.access(destination.site), destination.path, {
      overwrite,
      shallow,
      ...(precondition ? { precondition } : {}),
    }));
  } finally {
    state.forget();
  }
  shared.props.transfer(source, destination, { move: false, deep: !shallow });
  sendStatus(res, transferStatus(replaced));
  return 0;
};
