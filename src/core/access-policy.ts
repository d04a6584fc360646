// The per-site access policy: which back-end login serves a request, under which root, and
// whether it may change anything. Fronts authenticate (HTTP Basic, browser sign-in, the users
// file); RemoteFs.access applies this for every front alike. A pure function of the site and
// the caller, so it lives in the core (src/auth/policy.ts re-exports it for auth's own use).
import type { SiteConfig } from '../config/schema.js';
import { GatewayError } from './errors.js';
import { RemotePath } from './paths.js';
import type { Access, AccountGrant, Caller } from './types.js';

export type SiteAuth = SiteConfig['auth'];

/** May this account use this site? */
export function accountAllows(account: AccountGrant, siteName: string): boolean {
  return account.sites.includes('*') || account.sites.includes(siteName);
}

export function resolveAccess(site: SiteConfig, supplied?: Caller): Access {
  switch (site.auth) {
    case 'fixed':
      return { site, creds: { user: site.user, password: site.password }, readOnly: site.readOnly };
    case 'public':
      // Anonymous mirrors: the site's own account, and never a write.
      return { site: { ...site, readOnly: true }, creds: { user: site.user, password: site.password }, readOnly: true };
    case 'pass-through':
      if (!supplied) throw new GatewayError('unauthorized', `site "${site.name}" needs your FTP user name and password`);
      return { site, creds: { user: supplied.user, password: supplied.password }, readOnly: site.readOnly };
    case 'accounts': {
      if (!supplied) throw new GatewayError('unauthorized', `site "${site.name}" needs your gateway user name and password`);
      const account = supplied.account;
      // Fronts attach the account only after the password matched its hash.
      if (!account || account.name !== supplied.user) throw new GatewayError('unauthorized', 'wrong user name or password');
      if (!accountAllows(account, site.name)) {
        throw new GatewayError('forbidden', `account "${account.name}" has no access to site "${site.name}"`);
      }
      // The account's folder becomes the root: RemotePath refuses "..", so nothing above it is reachable.
      const root = RemotePath.fromPlain(account.root).under(site.root);
      const readOnly = site.readOnly || account.readOnly;
      return { site: { ...site, root, readOnly }, creds: { ...account.ftp }, readOnly, account: account.name };
    }
  }
}
