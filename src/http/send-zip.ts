// Streaming a folder tree (or a walked selection) to a response as a zip, read from the core
// while it is sent: no temporary file and no whole file in memory. zip-writer.ts writes the
// records (ZIP64 where sizes need them, UTF-8 names); entries open lazily, one transfer at a time,
// in order. The REST zip routes and share links use it.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import type { RemoteFs, WalkEntry, WalkLimits } from '../core/remote-fs.js';
import type { RemotePath } from '../core/paths.js';
import type { Access } from '../core/types.js';
import { contentDisposition } from './download-plan.js';
import { ZipBody, zipLength, zipName, type ZipItem } from './zip-writer.js';

/** Already compressed formats: storing them saves the gateway's CPU and loses nothing. */
const STORED =
  /\.(jpe?g|png|gif|webp|avif|heic|mp4|m4v|mkv|webm|mov|avi|mp3|m4a|aac|ogg|opus|flac|zip|gz|tgz|bz2|xz|zst|7z|rar|jar|apk|docx|xlsx|pptx|odt|ods|odp|epub)$/i;

/** A zip entry at the top of an archive that left something out, saying what and why. */
const SKIPPED_NOTE = 'ftpgate-skipped.txt';
const SKIPPED_NOTE_HEAD = 'ftpgate could not put these entries into the zip as they are on the server:';
const FULLWIDTH_BACKSLASH = '\uFF3C';

function relative(folder: RemotePath, parent: RemotePath, name: string): string {
  return [...parent.segments.slice(folder.segments.length), name].join('/');
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
  const { entries, skipped } = await fs.walk(access, folder, { maxEntries, maxBytes });
  const notes = skipped.map((s) => `${relative(folder, s.folder, s.name)}: left out, ${s.reason}`);
  return streamZip(request, reply, fs, access, entries, folder, `${folder.name || access.site.name}.zip`, notes);
}

/**
 * Stream these entries (already walked) as a zip named `fileName`, with names relative to `base`;
 * `notes` (names the walk left out) and any name the zip cannot hold go into SKIPPED_NOTE.
 */
export function streamZip(
  request: FastifyRequest,
  reply: FastifyReply,
  fs: RemoteFs,
  access: Access,
  entries: WalkEntry[],
  base: RemotePath,
  fileName: string,
  notes: string[] = [],
): FastifyReply {
  const folder = base;
  const items: ZipItem[] = [];
  const prefix = folder.segments.length;
  const body = new ZipBody(items, (err) => request.log.warn({ err: err.message }, 'zip stream failed'));
  for (const { path, entry } of entries) {
    const original = path.segments.slice(prefix).join('/');
    // Zip names separate folders with "/" and readers take "\" for one too: a "\" in a name
    // is stored as U+FF3C, and noted.
    const name = path.segments.slice(prefix).map((s) => s.replace(/\\/g, FULLWIDTH_BACKSLASH)).join('/');
    if (name !== original) notes.push(`${original}: stored as ${name} (a zip name cannot hold "\\")`);
    const mtime = entry.modified ?? new Date();
    const directory = entry.type === 'directory';
    // Some names cannot be in a zip (a leading "C:", for one): such an entry is left out and noted.
    try {
      zipName(name, directory);
    } catch (err) {
      notes.push(`${original}: left out, ${err instanceof Error ? err.message : String(err)}`);
      continue;
    }
    if (directory) {
      items.push({ kind: 'directory', name, mtime });
      continue;
    }
    const open = (): Promise<Readable> => fs.read(access, path, entry.size > 0 ? { start: 0, end: entry.size - 1 } : undefined);
    items.push({ kind: 'file', name, mtime, size: entry.size, compress: !STORED.test(name), open });
  }
  if (notes.length > 0) {
    request.log.warn({ folder: folder.toString(), notes: notes.length }, 'zip: some names were left out or renamed');
    items.push({ kind: 'buffer', name: SKIPPED_NOTE, mtime: new Date(), data: Buffer.from(`${SKIPPED_NOTE_HEAD}\n\n${notes.join('\n')}\n`) });
  }
  // The client left: stop the walk and free the FTP session now.
  reply.raw.on('close', () => {
    if (!body.readableEnded) body.destroy();
  });
  const length = zipLength(items);
  if (length !== undefined) reply.header('content-length', length);
  reply.header('content-type', 'application/zip');
  reply.header('content-disposition', contentDisposition('attachment', fileName));
  return reply.send(body);
}
