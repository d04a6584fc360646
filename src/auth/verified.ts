// Which credentials of one HTTP request were verified against the users file. Verifying is
// asynchronous (bcrypt), resolving access is not: a hook verifies before the handler runs and
// records the result on the raw request, where both the REST and WebDAV fronts find it.
import type { IncomingMessage } from 'node:http';
import type { AccountGrant, Caller, Credentials } from '../core/types.js';
import { safeEqual } from './constant-time.js';

interface Entry {
  user: string;
  password: string;
  account: AccountGrant;
}

const verified = new WeakMap<IncomingMessage, Entry[]>();

export function rememberVerified(req: IncomingMessage, creds: Credentials, account: AccountGrant): void {
  const list = verified.get(req) ?? [];
  list.push({ user: creds.user, password: creds.password, account });
  verified.set(req, list);
}

/** The caller for these credentials: with its account when this request verified them, else without. */
export function verifiedCaller(req: IncomingMessage, creds: Credentials): Caller {
  const found = verified.get(req)?.find((e) => e.user === creds.user && safeEqual(e.password, creds.password));
  return found ? { user: creds.user, password: creds.password, account: found.account } : { user: creds.user, password: creds.password };
}
