// Streaming a folder tree (or a walked selection) to a response as a zip, read from the core
// while it is sent: no temporary file and no whole file in memory. yazl writes ZIP64 records
// where sizes need them and UTF-8 names; entries open lazily, one transfer at a time, in order.
// The REST zip routes and share links use it.
import type { FastifyReply, FastifyRequest } from 'fastify';
import yazl from 'yazl';
import type { Readable } from 'node:stream';
import { createRequire } from 'node:module';
import zlib from 'node:zlib';
import type { RemoteFs, WalkEntry, WalkLimits } from '../core/remote-fs.js';
import type { RemotePath } from '../core/paths.js';
import type { Access } from '../core/types.js';
import { contentDisposition } from './download-plan.js';

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

/** A zip entry at the top of an archive that left something out, saying what and why. */
const SKIPPED_NOTE = 'ftpgate-skipped.txt';
const SKIPPED_NOTE_HEAD = 'ftpgate could not put these entries into the zip as they are on the server:';
const FULLWIDTH_BACKSLASH = '\uFF3C';

function relative(folder: RemotePath, parent: RemotePath, name: string): string {
  return [...parent.segments.slice(folder.segments.length), name].join('/');
}

/** yazl refuses some names (a leading "C:", for one): such an entry is left out and noted. */
function tryAdd(notes: string[], original: string, add: () => void): boolean {
  try {
    add();
    return true;
  } catch (err) {
    notes.push(`${original}: left out, ${err instanceof Error ? err.message : String(err)}`);
    return false;
  }
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
    const original = path.segments.slice(prefix).join('/');
    // Zip names separate folders with "/" and readers take "\" for one too: a "\" in a name
    // is stored as U+FF3C, and noted.
    const name = path.segments.slice(prefix).map((s) => s.replace(/\\/g, FULLWIDTH_BACKSLASH)).join('/');
    if (name !== original) notes.push(`${original}: stored as ${name} (a zip name cannot hold "\\")`);
    const mtime = entry.modified ?? new Date();
    if (entry.type === 'directory') {
      tryAdd(notes, original, () => zip.addEmptyDirectory(name, { mtime }));
      continue;
    }
    tryAdd(notes, original, () => zip.addReadStreamLazy(name, { mtime, size: entry.size, compress: !STORED.test(name) }, (cb) => {
      if (gone) return cb(new Error('the client went away'), undefined as never);
      fs.read(access, path, entry.size > 0 ? { start: 0, end: entry.size - 1 } : undefined).then(
        (stream) => {
          current = stream;
          cb(null, stream);
        },
        (err: unknown) => cb(err as Error, undefined as never),
      );
    }));
  }
  if (notes.length > 0) {
    request.log.warn({ folder: folder.toString(), notes: notes.length }, 'zip: some names were left out or renamed');
    zip.addBuffer(Buffer.from(`${SKIPPED_NOTE_HEAD}\n\n${notes.join('\n')}\n`), SKIPPED_NOTE, { mtime: new Date() });
  }
  zip.end();
  reply.header('content-type', 'application/zip');
  reply.header('content-disposition', contentDisposition('attachment', fileName));
  return reply.send(output);
}
