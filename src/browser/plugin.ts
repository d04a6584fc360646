// Everything the browser needs beyond the REST API: the page and its no-JavaScript
// listing, sign-in sessions, and the hooks that make fetch() calls from the page safe.
// Registered unencapsulated (like fastify-plugin does) so its request decoration and
// hooks reach every route of the app.
import type { FastifyInstance } from 'fastify';
import type { RemoteFs } from '../core/remote-fs.js';
import { browseRoutes } from './browse-routes.js';
import { fromPage } from '../http/session/request-session.js';
import { sessionRoutes } from './session-routes.js';
import { SessionStore, type StoreOptions } from '../http/session/session-store.js';

export interface BrowserOptions {
  fs: RemoteFs;
  sessions?: StoreOptions;
}

async function browser(app: FastifyInstance, { fs, sessions }: BrowserOptions): Promise<void> {
  const store = new SessionStore(sessions);
  app.decorateRequest('sessionStore', { getter: () => store });

  // A 401 with a Basic challenge makes the browser pop its own login box over the page;
  // the page asks with its own form instead, so it is spared the challenge.
  app.addHook('onSend', (request, reply, payload, done) => {
    if (reply.statusCode === 401 && fromPage(request)) reply.removeHeader('www-authenticate');
    done(null, payload);
  });

  await app.register(sessionRoutes, { fs, store });
  await app.register(browseRoutes, { fs });
}

export const browserPlugin = Object.assign(browser, { [Symbol.for('skip-override')]: true });
