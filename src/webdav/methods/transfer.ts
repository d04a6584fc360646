// What COPY and MOVE share: the Destination read once (destination.ts), Overwrite, and the
// refusals that need no FTP command: the source itself as Destination is 403 (RFC 4918
// sections 9.8.5 and 9.9.4), a Destination inside the source is 409 (it would never end; the
// core refuses it too, and a Destination that holds the source).
import { GatewayError } from '../../core/errors.js';
import { readBody } from '../body.js';
import { targetWithin, type DavTarget } from '../dav-path.js';
import { readDestination } from '../destination.js';
import { overwriteOf, type DavRequest } from './common.js';

export interface Transfer {
  source: DavTarget & { site: string };
  destination: DavTarget & { site: string };
  overwrite: boolean;
}

export async function readTransfer({ shared, target, req }: DavRequest, verb: 'copy' | 'move'): Promise<Transfer> {
  await readBody(req); // none expected; read (capped) and ignored
  const destination = readDestination(req).target;
  const overwrite = overwriteOf(req);
  if (target.site === undefined) throw new GatewayError('forbidden', `the site list cannot be ${verb === 'move' ? 'moved' : 'copied'}`);
  shared.fs.site(target.site); // an unknown site is 404
  const source = target as Transfer['source'];
  if (destination.path.isRoot) throw new GatewayError('forbidden', 'a site root cannot be replaced');
  if (targetWithin(destination, source)) {
    if (targetWithin(source, destination)) throw new GatewayError('forbidden', `cannot ${verb} ${source.path} onto itself`);
    throw new GatewayError('conflict', `cannot ${verb} ${source.path} into itself`);
  }
  return { source, destination, overwrite };
}

/** 201 for a new resource, 204 for one replaced (RFC 4918 sections 9.8.8 and 9.9.5). */
export function transferStatus(replaced: boolean): number {
  return replaced ? 204 : 201;
}
