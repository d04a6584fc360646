// A login's key: a hash of site, user and password, so that caches and uploads are kept apart
// per login without holding the password as a key.
import { createHash } from 'node:crypto';
import type { Credentials } from './types.js';

export function credentialKey(site: string, creds: Credentials): string {
  return createHash('sha256').update(`${site}\0${creds.user}\0${creds.password}`).digest('hex');
}
