// /api/v1/session: sign a browser in to a site where requests bring their own login: a
// pass-through site (the login is tried against the FTP server first) or a site of gateway
// accounts (the password is checked against the users file by the login guard, which also
// rate-limits failed sign-ins, then the account's FTP login is tried); say who is signed in, sign out.
import type { FastifyInstance } from 'fastify';
import { GatewayError } from '../core/errors.js';
import { RemotePath } from '../core/paths.js';
import type { RemoteFs } from '../core/remote-fs.js';
import { readCookie, SESSION_COOKIE, sessionCookie } from '../http/session/session-cookie.js';
import { requirePageHeader } from '../http/session/request-session.js';
import type { SessionStore } from '../http/session/session-store.js';
import { verifiedCaller } from '../auth/verified.js';

const signInBody = {
  type: 'object',
  required: ['site', 'user', 'password'],
  additionalProperties: false,
  properties: {
    site: { type: 'string', minLength: 1, maxLength: 63 },
    user: { type: 'string', minLength: 1, maxLength: 256, pattern: '^[^\\r\\n\\u0000]*$' },
    password: { type: 'string', maxLength: 256, pattern: '^[^\\r\\n\\u0000]*$' },
  },
} as const;

interface SignIn {
  site: string;
  user: string;
  password: string;
}

export async function sessionRoutes(app: FastifyInstance, { fs, store }: { fs: RemoteFs; store: SessionStore }): Promise<void> {
  app.get('/api/v1/session', async (request, reply) => {
    reply.header('cache-control', 'no-store');
    return { sites: store.describe(readCookie(request, SESSION_COOKIE)) };
  });

  app.post<{ Body: SignIn }>('/api/v1/session', { schema: { body: signInBody }, config: { surface: { signIn: (r) => r.body as SignIn } } }, async (request, reply) => {
    // Also stops login CSRF: another site signing this browser in to an account of its choosing.
    requirePageHeader(request);
    const { site: siteName, user, password } = request.body;
    const site = fs.site(siteName);
    if (site.credentials !== 'pass-through') {
      throw new GatewayError('conflict', `site "${siteName}" uses the gateway's own account: no sign-in needed`);
    }
    const caller = site.auth === 'accounts' ? verifiedCaller(request.raw, { user, password }) : { user, password };
    const access = fs.access(siteName, caller); // a wrong gateway password fails here with 401
    await fs.list(access, RemotePath.root, true); // a wrong FTP login fails here with 401
    const id = store.signIn(readCookie(request, SESSION_COOKIE), siteName, { user, password });
    reply.header('set-cookie', sessionCookie(request, id)).header('cache-control', 'no-store');
    return { site: siteName, user };
  });

  app.delete<{ Querystring: { site?: string } }>('/api/v1/session', async (request, reply) => {
    requirePageHeader(request);
    const id = readCookie(request, SESSION_COOKIE);
    const left = store.signOut(id, request.query.site);
    if (!left) reply.header('set-cookie', sessionCookie(request, undefined));
    return reply.code(204).send();
  });
}
