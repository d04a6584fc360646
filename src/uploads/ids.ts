// Resumable upload ids and the hidden files behind them. An id says where its upload lives,
// so any gateway instance (or the same one after a restart) finds it on the FTP server with
// no shared state: base64url of the folder's path under the site root, ".", and 128 random
// bits in hex that name the temporary files. The folder is decoded through RemotePath's
// rules (no "..", no NUL, no separators in a name): an id cannot point outside the site.
import { randomBytes } from 'node:crypto';
import { GatewayError } from '../core/errors.js';
import { RemotePath } from '../core/paths.js';

const ID = /^([A-Za-z0-9_-]{2,5600})\.([0-9a-f]{32})$/;

export interface UploadRef {
  id: string;
  folder: RemotePath;
  /** 32 hex digits. */
  key: string;
}

export function newUploadRef(folder: RemotePath): UploadRef {
  const key = randomBytes(16).toString('hex');
  const id = `${Buffer.from(folder.toString(), 'utf8').toString('base64url')}.${key}`;
  return { id, folder, key };
}

/** The upload an id names, or a 404 when it is not one of ours. */
export function parseUploadId(id: string): UploadRef {
  const m = ID.exec(id);
  if (!m) throw new GatewayError('not_found', 'no such upload');
  const text = Buffer.from(m[1]!, 'base64url').toString('utf8');
  // The exact round trip: a plain path with no empty segments, nothing decoded twice.
  if (!text.startsWith('/') || Buffer.from(text, 'utf8').toString('base64url') !== m[1]) {
    throw new GatewayError('not_found', 'no such upload');
  }
  let folder: RemotePath;
  try {
    folder = RemotePath.fromPlain(text);
  } catch {
    throw new GatewayError('not_found', 'no such upload');
  }
  if (folder.toString() !== text) throw new GatewayError('not_found', 'no such upload');
  return { id, folder, key: m[2]! };
}

/** The growing file: bytes are appended here, and it is renamed over the target at the end. */
export function partPath(ref: UploadRef): RemotePath {
  return ref.folder.child(`.ftpgate-tus-${ref.key}.part`);
}

/** The upload's info (target name, length, creation time), next to the part file. */
export function infoPath(ref: UploadRef): RemotePath {
  return ref.folder.child(`.ftpgate-tus-${ref.key}.json`);
}

/** The key of a hidden tus file name, and which of the two it is. */
export function tusFileOf(name: string): { key: string; kind: 'part' | 'json' } | undefined {
  const m = /^\.ftpgate-tus-([0-9a-f]{32})\.(part|json)$/.exec(name);
  return m ? { key: m[1]!, kind: m[2] as 'part' | 'json' } : undefined;
}
