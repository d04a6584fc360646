// Lock enforcement and If-header preconditions, checked by the gateway before any change.
// A lock binds every user, its owner included, until its token is submitted in an If header.
import { GatewayError } from '../core/errors.js';
import { etagOf } from '../http/conditional.js';
import type { DavShared } from './shared.js';
import { hrefOf, type DavTarget } from './dav-path.js';
import { evaluateIf, parseIf, submittedTokens, type IfList } from './if-header.js';
import type { DavLock } from './lock-store.js';
import type { RequestState } from './request-state.js';
import { DavError } from './respond.js';
import { errorBody } from './xml.js';

export interface Preconditions {
  lists: IfList[] | undefined;
  submitted: Set<string>;
}

/** Parse the If header and fail with 412 when none of its lists holds. */
export async function checkIfHeader(
  header: string | undefined,
  target: DavTarget,
  shared: DavShared,
  state: RequestState,
): Promise<Preconditions> {
  if (!header) return { lists: undefined, submitted: new Set() };
  const lists = parseIf(header);
  const holds = await evaluateIf(lists, target, {
    tokenMatches: (resource, token) => {
      const lock = shared.locks.get(token);
      if (!lock) return false;
      return shared.locks.covering(resource).includes(lock) || shared.locks.within(resource).includes(lock);
    },
    etagOf: async (resource) => {
      if (resource.site === undefined) return undefined;
      try {
        const entry = resource.path.isRoot
          ? { name: '', type: 'directory' as const, size: 0 }
          : await state.describe(resource.site, resource.path);
        return entry ? etagOf(entry) : undefined;
      } catch (err) {
        if (err instanceof GatewayError && err.status < 500 && err.status !== 401) return undefined;
        throw err;
      }
    },
  });
  if (!holds) throw new DavError(412);
  return { lists, submitted: submittedTokens(lists) };
}

export interface GuardOptions {
  /** The operation reaches everything below (DELETE, MOVE, COPY over a folder). */
  deep?: boolean;
  /** It adds or removes the resource, changing its parent folder too. */
  membership?: boolean;
}

/** 423 unless every lock on the resource (and, as asked, below it and on its parent) was submitted. */
export function assertUnlocked(shared: DavShared, target: DavTarget, submitted: Set<string>, options: GuardOptions = {}): void {
  const locks = new Set<DavLock>(shared.locks.covering(target));
  if (options.deep) for (const l of shared.locks.within(target)) locks.add(l);
  if (options.membership && target.site !== undefined && !target.path.isRoot) {
    for (const l of shared.locks.covering({ site: target.site, path: target.path.parent })) locks.add(l);
  }
  const missing = [...locks].filter((l) => !submitted.has(l.token));
  if (missing.length > 0) {
    const roots = [...new Set(missing.map((l) => hrefOf(l.root)))];
    throw new DavError(423, errorBody('lock-token-submitted', roots));
  }
}
