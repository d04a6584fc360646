// Request bodies of the XML methods (and the ignored bodies of DELETE, COPY and MOVE), read
// whole but capped: a PROPFIND has no business being large.
import type { IncomingMessage } from 'node:http';
import { DavError } from './respond.js';

const MAX_XML_BODY = 1024 * 1024;

export async function readBody(req: IncomingMessage, limit = MAX_XML_BODY): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new DavError(413);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new DavError(413);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
