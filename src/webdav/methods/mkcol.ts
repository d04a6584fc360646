// MKCOL (RFC 4918 section 9.3): a body is 415 (we define none); an existing resource, the site
// list or a site root is 405; a missing or non-folder parent is 409 (the core would create
// missing parents, so the parent is looked at here first); 201 once the folder exists.
import { GatewayError } from '../../core/errors.js';
import { readBody } from '../body.js';
import { assertUnlocked } from '../lock-guard.js';
import { DavError, sendStatus } from '../respond.js';
import type { MethodHandler } from './common.js';

const EXISTS = () => new DavError(405, undefined, { allow: 'OPTIONS, GET, HEAD, PROPFIND, PROPPATCH, DELETE, MOVE, COPY, LOCK, UNLOCK' });

export const mkcol: MethodHandler = async ({ shared, state, target, req, res, pre }) => {
  if ((await readBody(req)).length > 0) throw new DavError(415);
  if (target.site === undefined || target.path.isRoot) {
    if (target.site !== undefined) shared.fs.site(target.site); // an unknown site is 404
    throw EXISTS();
  }
  const { site, path } = target;
  // The core's own lookups: each lists the folder that holds the name, never the name itself.
  const access = state.access(site);
  const parent = await shared.fs.find(access, path.parent);
  if (parent?.type !== 'directory') throw new GatewayError('conflict', `folder ${path.parent} does not exist`);
  if (await shared.fs.find(access, path)) throw EXISTS();
  assertUnlocked(shared, target, pre.submitted, { membership: true });
  let created: boolean;
  try {
    ({ created } = await shared.fs.mkdir(access, path));
  } finally {
    state.forget();
  }
  if (!created) throw EXISTS(); // a folder of that name appeared meanwhile
  sendStatus(res, 201);
  return 0;
};
