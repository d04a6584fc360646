// GET /api/v1/sites/{site}/access: what the caller may do on a site, so the browser page shows
// only the controls that work (a read-only account sees no write control). Resolved by the same
// access policy every front uses; a pass-through or accounts site without a login answers 401.
import type { FastifyInstance } from 'fastify';
import type { RemoteFs } from '../core/remote-fs.js';
import { accessFor } from '../http/credentials.js';
import { basicAuth, errorResponses } from '../ops/api-schemas.js';

const accessSchema = {
  tags: ['sites'],
  summary: "The caller's rights on a site: read-only, its folder root, whether it can make share links",
  security: basicAuth,
  params: { type: 'object', properties: { site: { type: 'string' } }, required: ['site'] },
  response: {
    200: {
      type: 'object',
      properties: {
        site: { type: 'string' },
        auth: { type: 'string', enum: ['fixed', 'pass-through', 'accounts', 'public'] },
        user: { type: ['string', 'null'], description: 'the FTP login (pass-through) or gateway account; null on fixed and public sites' },
        readOnly: { type: 'boolean', description: 'every write is refused (the site or the account is read-only)' },
        root: { type: 'string', description: "the caller's folder root, relative to the site's root (\"/\" for the whole site)" },
        share: {
          type: 'object',
          properties: { available: { type: 'boolean' }, reason: { type: ['string', 'null'] } },
        },
        uploadLimitBytes: { type: 'integer', description: 'largest file one upload may carry (multipart, raw PUT and tus alike)' },
      },
    },
    ...errorResponses,
  },
} as const;

/** Why a site cannot make share links, or null when it can. */
function shareUnavailable(auth: string): string | null {
  if (auth === 'accounts') return null;
  if (auth === 'pass-through') return 'Share links need a gateway account: this site signs you in with your own FTP login, which a link must not carry.';
  if (auth === 'public') return 'This site is public already: copy the link instead.';
  return 'Share links need a gateway account: this site uses one shared FTP login for everyone.';
}

export async function callerRoutes(app: FastifyInstance, { fs, uploadLimitBytes }: { fs: RemoteFs; uploadLimitBytes: number }): Promise<void> {
  app.get<{ Params: { site: string } }>('/api/v1/sites/:site/access', { schema: accessSchema }, async (request, reply) => {
    const site = fs.site(request.params.site);
    const access = accessFor(fs, request, site.name, 'read');
    const parts = (root: string) => root.split('/').filter(Boolean);
    const root = '/' + parts(access.site.root).slice(parts(site.root).length).join('/');
    const user = site.auth === 'accounts' ? (access.account ?? null) : site.auth === 'pass-through' ? access.creds.user : null;
    const reason = shareUnavailable(site.auth);
    reply.header('cache-control', 'no-store');
    return {
      site: site.name,
      auth: site.auth,
      user,
      readOnly: Boolean(access.readOnly),
      root,
      share: { available: reason === null, reason },
      uploadLimitBytes,
    };
  });
}
