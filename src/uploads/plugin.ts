// Resumable uploads: the tus 1.0 protocol (@tus/server) at /api/v1/sites/{site}/uploads/.
//   POST   /api/v1/sites/{site}/uploads/{folder}   create (Upload-Length; Upload-Metadata: filename, overwrite)
//   HEAD   /api/v1/sites/{site}/uploads/{id}       the offset the FTP server holds (SIZE)
//   PATCH  /api/v1/sites/{site}/uploads/{id}       append bytes at Upload-Offset (one APPE per request)
//   DELETE /api/v1/sites/{site}/uploads/{id}       give up: the temporary files are removed
//   OPTIONS                                        tus discovery
// The gateway authenticates and authorizes first (a read-only site is refused with 403 before
// any FTP command); then the reply is hijacked and @tus/server answers, with the request's
// login handed to the data store through an AsyncLocalStorage.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError } from '../core/errors.js';
import { RemotePath } from '../core/paths.js';
import type { RemoteFs } from '../core/remote-fs.js';
import { accessFor } from '../http/credentials.js';
import type { StateStore } from '../state/state.js';
import { guardUpload } from '../http/stall-guard.js';
import { parseUploadId } from './ids.js';
import type { UploadContext } from './store.js';
import type { createTus } from './tus-server.js';

export interface UploadsOptions {
  fs: RemoteFs;
  /** Locks and finished uploads, shared by every instance (Redis) or this one's (memory). */
  state: StateStore;
  /** Unfinished uploads expire this long after their creation. */
  expiryMs: number;
  /** How often the expiry sweep runs; default a quarter of expiryMs, between 1 s and 10 min. */
  sweepEveryMs?: number;
  /** The largest file (Upload-Length) an upload may announce: FTPGATE_UPLOAD_LIMIT_BYTES. */
  uploadLimitBytes?: number;
}

/** `/api/v1/sites/{site}/uploads` is 6 segments of the raw URL, with the empty one before the first "/". */
const PREFIX_SEGMENTS = 6;

export async function uploadsPlugin(app: FastifyInstance, { fs, state, expiryMs, sweepEveryMs, uploadLimitBytes }: UploadsOptions): Promise<void> {
  // Bodies stay unread streams in this scope: tus reads them.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));

  const context = new AsyncLocalStorage<UploadContext>();
  let tus: Promise<ReturnType<typeof createTus>> | undefined;
  // One load for all first requests at once; a failed load is tried again by the next request.
  const loadTus = () =>
    (tus ??= import('./tus-server.js')
      .then((m) => m.createTus({ fs, state, expiryMs, uploadLimitBytes, context, log: app.log }))
      .catch((err: unknown) => {
        tus = undefined;
        throw err;
      }));

  const handler = async (request: FastifyRequest<{ Params: { site: string } }>, reply: FastifyReply) => {
    const tail = (request.raw.url ?? '/').split('?')[0]!.split('/').slice(PREFIX_SEGMENTS).filter((s) => s !== '');
    let ctx: UploadContext | undefined;
    if (request.method !== 'OPTIONS') {
      const access = accessFor(fs, request, request.params.site, 'write');
      fs.assertWritable(access); // HEAD too: a read-only site has no uploads to resume
      ctx = { access, bytes: 0 };
      if (request.method === 'POST') {
        ctx.folder = RemotePath.fromUrl(tail.join('/'));
      } else {
        if (tail.length !== 1) throw new GatewayError('not_found', 'no such upload: expected /uploads/{id}');
        ctx.ref = parseUploadId(tail[0]!);
        const length = Number(request.headers['content-length']);
        if (request.method === 'PATCH' && Number.isSafeInteger(length)) ctx.expected = length;
      }
    }
    const { server } = await loadTus(); // before hijacking: a failed load is an ordinary 500
    reply.hijack();
    if (ctx && request.method === 'PATCH') guardUpload(request.raw, reply.raw, ctx.access.site, { respond: true }); // 408 when the body stalls
    const run = () => server.handle(request.raw, reply.raw);
    try {
      await (ctx ? context.run(ctx, run) : run());
    } catch (err) {
      request.log.error({ err }, 'resumable upload handler failed');
      if (!reply.raw.headersSent) reply.raw.writeHead(500, { 'content-length': '0' });
      reply.raw.end();
    }
    request.transferBytes = ctx?.bytes ?? 0;
  };
  const method = ['POST', 'HEAD', 'PATCH', 'DELETE', 'OPTIONS'];
  app.route({ method, url: '/api/v1/sites/:site/uploads', handler });
  app.route({ method, url: '/api/v1/sites/:site/uploads/*', handler });

  // Expiry: a sweep over the folders this process has seen uploads in (none before its first tus
  // request), plus a check of every upload touched (an expired one is removed and answers 410).
  const every = sweepEveryMs ?? Math.min(10 * 60_000, Math.max(1000, Math.floor(expiryMs / 4)));
  let sweeping: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    if (tus) sweeping ??= tus.then(({ store }) => store.deleteExpired()).finally(() => (sweeping = undefined));
  }, every);
  timer.unref();
  app.addHook('onClose', async () => {
    clearInterval(timer);
    await sweeping?.catch(() => {});
  });
}
