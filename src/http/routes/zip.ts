// GET /api/v1/sites/{site}/zip/{path}: a folder tree as a zip, streamed while it is read from
// FTP: no temporary file and no whole file in memory. yazl writes ZIP64 records where sizes
// need them and UTF-8 names; entries open lazily, one FTP transfer at a time, in order.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import yazl from 'yazl';
import type { Readable } from 'node:stream';
import { createRequire } from 'node:module';
import zlib from 'node:zlib';
import type { RemoteFs, WalkLimits } from '../../core/remote-fs.js';
import type { RemotePath } from '../../core/paths.js';
import type { Access } from '../../core/types.js';
import { accessFor } from '../credentials.js';
import { remotePathOf } from '../request-path.js';
import { zipSchema } from '../../ops/api-schemas.js';
import { contentDisposition } from '../download-plan.js';

// yazl checksums every entry with buffer-crc32, a table-driven CRC in JavaScript (about a
// third of a core per 300 MB/s). zlib.crc32 (Node >= 20.15) computes the same value natively.
const nativeCrc32 = (zlib as { crc32?: (data: Buffer, value?: number) => number }).crc32;
if (nativeCrc32) {
  const yazlRequire = createRequire(createRequire(import.meta.url).resolve('yazl'));
  const bufferCrc32 = yazlRequire('buffer-crc32') as { unsigned: (buf: Buffer, previous?: number) => number };
  bufferCrc32.unsigned = (buf, previous) => nativeCrc32(buf, previous ?? 0);
}

/** Already compressed formats: storing them saves the gateway's CPU and loses nothing. */
const STORED =
  /\.(jpe?g|png|gif|webp|avif|heic|mp4|m4v|mkv|webm|mov|avi|mp3|m4a|aac|ogg|opus|flac|zip|gz|tgz|bz2|xz|zst|7z|rar|jar|apk|docx|xlsx|pptx|odt|ods|odp|epub)$/i;

export async function zipRoutes(
  app: FastifyInstance,
  { fs, maxEntries, maxBytes }: { fs: RemoteFs; maxEntries: number; maxBytes: number },
): Promise<void> {
  app.get<{ Params: { site: string } }>('/api/v1/sites/:site/zip/*', { schema: zipSchema }, async (request, reply) => {
    const access = accessFor(fs, request, request.params.site);
    return sendZip(request, reply, fs, access, remotePathOf(request), { maxEntries, maxBytes });
  });
}

/** Stream `folder` as a zip in the reply (the REST route and share links use it). */
export async function sendZip(
  request: FastifyRequest,
  reply: FastifyReply,
  fs: RemoteFs,
  access: Access,
  folder: RemotePath,
  { maxEntries, maxBytes }: WalkLimits,
): Promise<FastifyReply> {
  // Walk first: a tree past the limits is refused before any byte is sent.
  const entries = await fs.walk(access, folder, { maxEntries, maxBytes });

  const zip = new yazl.ZipFile();
  const output = zip.outputStream as unknown as Readable;
  let current: Readable | undefined;
  let gone = false;
  // A failure midway cannot become a problem body any more: cut the response instead.
  zip.on('error', (err: Error) => {
    request.log.warn({ err: err.message }, 'zip stream failed');
    output.destroy(err);
  });
  reply.raw.on('close', () => {
    if (output.readableEnded) return;
    // The client left: stop the walk and free the FTP session now.
    gone = true;
    current?.destroy();
  });
  const prefix = folder.segments.length;
  for (const { path, entry } of entries) {
    const name = path.segments.slice(prefix).join('/');
    const mtime = entry.modified ?? new Date();
    if (entry.type === 'directory') {
      zip.addEmptyDirectory(name, { mtime });
      continue;
    }
    zip.addReadStreamLazy(name, { mtime, size: entry.size, compress: !STORED.test(name) }, (cb) => {
      if (gone) return cb(new Error('the client went away'), undefined as never);
      fs.read(access, path, entry.size > 0 ? { start: 0, end: entry.size - 1 } : undefined).then(
        (stream) => {
          current = stream;
          cb(null, stream);
        },
        (err: unknown) => cb(err as Error, undefined as never),
      );
    });
  }
  zip.end();
  const name = `${folder.name || access.site.name}.zip`;
  reply.header('content-type', 'application/zip');
  reply.header('content-disposition', contentDisposition('attachment', name));
  return reply.send(output);
}
