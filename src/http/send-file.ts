// Streaming one file to a response: validators, 304, a single range read at its offset, or the
// whole file. `serveFile` answers a Fastify route (REST downloads, share links); `watchDownload`
// is the part any front needs around an opened read, also on a raw response (WebDAV's GET).
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SiteConfig } from '../config/schema.js';
import { GatewayError } from '../core/errors.js';
import type { RemotePath } from '../core/paths.js';
import type { RemoteFs } from '../core/remote-fs.js';
import type { Access } from '../core/types.js';
import { planDownload, type DownloadPlan } from './download-plan.js';
import { guardDownload } from './stall-guard.js';

/**
 * Watch a download on its way to `res` (the caller pipes or sends `stream`): a client that stops
 * reading is cut, one that leaves stops the transfer at once. When the response closes, `closed`
 * gets the bytes the transfer read (synchronously, before later 'close' listeners run).
 */
export function watchDownload(
  res: ServerResponse,
  stream: Readable & { readonly bytes: number },
  site: SiteConfig,
  closed?: (bytes: number) => void,
): void {
  guardDownload(res, site);
  res.on('close', () => {
    // The client left before the end: stop the transfer now.
    if (!stream.readableEnded) stream.destroy();
    closed?.(stream.bytes);
  });
}

/**
 * Answer a GET or HEAD of one file: headers from its listing entry, 304, 206 through FTP REST,
 * or the whole file streamed. `beforeBody` runs once a body is about to be sent (share links
 * count their downloads there). The REST route and share links both serve files this way.
 */
export async function serveFile(
  request: FastifyRequest,
  reply: FastifyReply,
  fs: RemoteFs,
  access: Access,
  path: RemotePath,
  options: { forceDownload?: boolean; head?: boolean; beforeBody?: (plan: DownloadPlan) => Promise<void> } = {},
): Promise<FastifyReply> {
  // The most precise time the server offers (MDTM where LIST says only the minute): validators change with the file.
  const entry = await fs.describe(access, path);
  if (!entry) throw new GatewayError('not_found', `${path} does not exist`);
  if (entry.type === 'directory') throw new GatewayError('conflict', `${path} is a folder, not a file`);
  const plan = planDownload(request.headers, entry, path.name, options.forceDownload);
  if (!options.head && plan.read) await options.beforeBody?.(plan);
  reply.code(plan.status).headers(plan.headers);
  if (options.head) return reply.send();
  if (!plan.read) return reply.send(plan.status === 304 ? undefined : ''); // 304, or an empty file
  const stream = await fs.read(access, path, plan.read);
  watchDownload(reply.raw, stream, access.site, (bytes) => {
    request.transferBytes = bytes;
  });
  return reply.send(stream);
}

