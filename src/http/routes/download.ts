// GET and HEAD /api/v1/sites/{site}/files/{path}: streamed downloads with validators,
// conditional requests and single byte ranges served through FTP REST.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import mime from 'mime-types';
import { GatewayError } from '../../core/errors.js';
import type { RemoteFs } from '../../core/remote-fs.js';
import type { Entry } from '../../core/types.js';
import { etagOf, notModified, requestedRange, type Range } from '../conditional.js';
import { accessFor } from '../credentials.js';
import { remotePathOf } from '../request-path.js';

type FileRequest = FastifyRequest<{ Params: { site: string }; Querystring: { download?: string } }>;

/** Types a browser would run as a page in our origin: never served inline. */
const ACTIVE_TYPES = /^(text\/html|application\/xhtml\+xml|image\/svg\+xml|text\/xml|application\/xml)\b/;

/** RFC 6266 / 8187: an ASCII fallback plus the exact UTF-8 name. */
export function contentDisposition(type: 'attachment' | 'inline', name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
  return `${type}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

function setEntityHeaders(reply: FastifyReply, entry: Entry, name: string, forceDownload: boolean): void {
  const type = mime.lookup(name) || 'application/octet-stream';
  const charset = type.startsWith('text/') || type === 'application/json' ? '; charset=utf-8' : '';
  reply.header('content-type', type + (ACTIVE_TYPES.test(type) ? '' : charset));
  reply.header('etag', etagOf(entry));
  if (entry.modified) reply.header('last-modified', entry.modified.toUTCString());
  reply.header('accept-ranges', 'bytes');
  reply.header('x-content-type-options', 'nosniff');
  if (forceDownload || ACTIVE_TYPES.test(type)) reply.header('content-disposition', contentDisposition('attachment', name));
}

export async function downloadRoutes(app: FastifyInstance, { fs }: { fs: RemoteFs }): Promise<void> {
  const prepare = async (request: FileRequest, reply: FastifyReply) => {
    const access = accessFor(fs, request, request.params.site);
    const path = remotePathOf(request);
    const entry = await fs.stat(access, path);
    if (entry.type === 'directory') {
      throw new GatewayError('conflict', `${path} is a folder: list it at /api/v1/sites/${request.params.site}/list${path.toUrl()}`);
    }
    setEntityHeaders(reply, entry, path.name, request.query.download === '1' || request.query.download === 'true');
    if (notModified(request.headers, entry)) return { access, path, entry, notModified: true as const };
    let range: Range | undefined;
    try {
      range = requestedRange(request.headers, entry);
    } catch (err) {
      reply.header('content-range', `bytes */${entry.size}`);
      throw err;
    }
    if (range) {
      reply.code(206);
      reply.header('content-range', `bytes ${range.start}-${range.end}/${entry.size}`);
      reply.header('content-length', String(range.end - range.start + 1));
    } else {
      reply.header('content-length', String(entry.size));
    }
    return { access, path, entry, range, notModified: false as const };
  };

  app.route<{ Params: { site: string }; Querystring: { download?: string } }>({
    method: 'HEAD',
    url: '/api/v1/sites/:site/files/*',
    handler: async (request, reply) => {
      const prepared = await prepare(request, reply);
      if (prepared.notModified) reply.removeHeader('content-length').code(304);
      return reply.send();
    },
  });

  app.route<{ Params: { site: string }; Querystring: { download?: string } }>({
    method: 'GET',
    url: '/api/v1/sites/:site/files/*',
    exposeHeadRoute: false,
    handler: async (request, reply) => {
      const prepared = await prepare(request, reply);
      if (prepared.notModified) {
        reply.removeHeader('content-length');
        return reply.code(304).send();
      }
      const { access, path, entry, range } = prepared;
      // Always bound the read by the listed size: a file that changed meanwhile fails loudly.
      const wanted = range ?? { start: 0, end: entry.size - 1 };
      if (wanted.end < wanted.start) return reply.send(''); // an empty file
      const stream = await fs.read(access, path, wanted);
      reply.raw.on('close', () => {
        request.transferBytes = stream.bytes;
        // The client left before the end: stop the FTP transfer now.
        if (!stream.readableEnded) stream.destroy();
      });
      return reply.send(stream);
    },
  });
}
