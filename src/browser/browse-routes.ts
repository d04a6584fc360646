// The page at / and /browse/{site}/{path}/: the app shell, carrying a plain HTML listing
// with links, so the gateway works without JavaScript as classic FTP gateways do.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError } from '../core/errors.js';
import { RemotePath } from '../core/paths.js';
import type { RemoteFs } from '../core/remote-fs.js';
import { accessFor } from '../http/credentials.js';
import { publicDetail } from '../http/problem.js';
import { esc, listingHtml, messageHtml, sitesHtml } from './html.js';
import { sendPage } from './page-shell.js';

type BrowseRequest = FastifyRequest<{ Params: { site?: string }; Querystring: { login?: string } }>;

/** Segments after `/browse/{site}/`, decoded once each, like the REST routes. */
function browsePath(request: FastifyRequest): RemotePath {
  const pathname = (request.raw.url ?? '/').split('?')[0]!;
  return RemotePath.fromUrl(pathname.split('/').slice(3).join('/'));
}

const PROMPT_LINK = `<p><a href="?login=basic">Sign in with the browser's login prompt</a></p>`;

/** A failure as a page. A login that was given and is wrong is a 401, whichever way it came. */
function errorPage(request: BrowseRequest, reply: FastifyReply, err: GatewayError): Promise<FastifyReply> {
  if (err.code === 'unauthorized') {
    // No login at all: with JavaScript the app shows its sign-in form, so no browser prompt
    // unless asked for. A login given (Basic) and refused: the prompt again, with 401.
    if (request.headers.authorization !== undefined || request.query.login === 'basic') {
      reply.header('www-authenticate', 'Basic realm="ftpgate", charset="UTF-8"');
      return sendPage(reply, 401, messageHtml('Sign-in needed', publicDetail(err), PROMPT_LINK));
    }
    return sendPage(reply, 200, messageHtml('Sign-in needed', publicDetail(err), PROMPT_LINK));
  }
  reply.headers(err.headers);
  if (err.retryAfter !== undefined) reply.header('retry-after', String(err.retryAfter));
  const back = '<p><a href="/browse/">All sites</a></p>';
  return sendPage(reply, err.status, messageHtml(err.title, publicDetail(err), back));
}

export async function browseRoutes(app: FastifyInstance, { fs }: { fs: RemoteFs }): Promise<void> {
  const sites = async (_request: FastifyRequest, reply: import('fastify').FastifyReply) =>
    sendPage(reply, 200, sitesHtml(fs.listSites()));
  app.get('/', sites);
  app.get('/browse', sites);
  app.get('/browse/', sites);

  const folder = async (request: BrowseRequest, reply: import('fastify').FastifyReply) => {
    const siteName = request.params.site ?? '';
    let path: RemotePath;
    try {
      path = browsePath(request);
      const access = accessFor(fs, request, siteName);
      const entries = await fs.list(access, path);
      return await sendPage(reply, 200, listingHtml(siteName, path, entries), esc(siteName + ':' + path.toString()));
    } catch (err) {
      if (!(err instanceof GatewayError)) throw err;
      return errorPage(request, reply, err);
    }
  };
  // The login guard (src/http/security/login-guard.ts) refuses a wrong or rate-limited login
  // before the handler runs: those answers are pages too, with their status.
  app.setErrorHandler((err, request: BrowseRequest, reply) => {
    // A request for another host (DNS rebinding) gets no page of ours: the problem body.
    if (!(err instanceof GatewayError) || err.code === 'misdirected' || reply.sent) throw err;
    return errorPage(request, reply, err);
  });

  app.get<{ Params: { site: string } }>('/browse/:site', async (request, reply) =>
    reply.redirect(`/browse/${encodeURIComponent(request.params.site)}/`),
  );
  app.get<{ Params: { site: string }; Querystring: { login?: string } }>('/browse/:site/*', folder);
}
