// Path rules, in one place. A RemotePath is a list of checked segments relative to a
// site's root; nothing can walk out of the root because ".." is refused, not resolved.
import { GatewayError } from './errors.js';

const MAX_NAME_BYTES = 255;
const MAX_PATH_BYTES = 4096;

/** Encodings a site may speak on its control connection (see the site option `encoding`). */
export type WireEncoding = 'utf8' | 'latin1';

/**
 * The gateway's own temporary files (uploads, resumable uploads, copies, asides) start with
 * this; no front may create, rename to, list, read or delete such a name.
 */
export const RESERVED_PREFIX = '.ftpgate-';

export function isReservedName(name: string): boolean {
  return name.toLowerCase().startsWith(RESERVED_PREFIX);
}

/**
 * Why `text` cannot travel in an FTP command in `encoding`, or undefined when it can. Judged on
 * the bytes that will be sent: in latin1, U+010D is written as the byte 0x0D (a CR), so a check
 * of the characters alone would let a second command through.
 */
export function unsendable(text: string, encoding: WireEncoding): string | undefined {
  const bytes = Buffer.from(text, encoding);
  if (bytes.toString(encoding) !== text) return `holds a character that ${encoding} cannot represent`;
  if (bytes.includes(0x00) || bytes.includes(0x0a) || bytes.includes(0x0d)) return `holds a character that ${encoding} writes as NUL, CR or LF`;
  return undefined;
}

export function checkSegment(segment: string): string {
  if (segment === '.' || segment === '..') throw new GatewayError('bad_path', `"${segment}" is not allowed in a path`);
  if (/[\0\r\n]/.test(segment)) throw new GatewayError('bad_path', 'NUL, CR and LF are not allowed in a path');
  // A backslash is an ordinary character on Unix servers; a Windows server's sessions refuse it
  // (FtpSession), and RemoteFs refuses it before any command once it knows the server.
  if (segment.includes('/')) throw new GatewayError('bad_path', 'a name may not contain "/"');
  // ...but some servers take it for a separator anyway (ftp-srv, Windows): "a\..\b" could climb
  // out of a site's root there, so no "\"-separated part may be "." or "..".
  if (segment.includes('\\') && segment.split('\\').some((p) => p === '.' || p === '..')) {
    throw new GatewayError('bad_path', 'a name may not hold "." or ".." between backslashes');
  }
  if (Buffer.byteLength(segment) > MAX_NAME_BYTES) {
    throw new GatewayError('bad_path', `a name is longer than ${MAX_NAME_BYTES} bytes`);
  }
  return segment;
}

export class RemotePath {
  private constructor(readonly segments: readonly string[]) {}

  static readonly root = new RemotePath([]);

  /** From already decoded segments (empty ones, from doubled or trailing slashes, are dropped). */
  static of(segments: readonly string[]): RemotePath {
    const checked = segments.filter((s) => s !== '').map(checkSegment);
    const path = new RemotePath(checked);
    if (Buffer.byteLength(path.toString()) > MAX_PATH_BYTES) {
      throw new GatewayError('bad_path', `the path is longer than ${MAX_PATH_BYTES} bytes`);
    }
    return path;
  }

  /** From a URL's path tail: each segment percent-decoded exactly once. */
  static fromUrl(encoded: string): RemotePath {
    return RemotePath.of(
      encoded.split('/').map((s) => {
        try {
          return decodeURIComponent(s);
        } catch {
          throw new GatewayError('bad_path', 'malformed percent-encoding in the path');
        }
      }),
    );
  }

  /** From a plain path such as "/docs/a b.txt" (JSON bodies): no decoding. */
  static fromPlain(text: string): RemotePath {
    if (typeof text !== 'string') throw new GatewayError('bad_request', 'a path must be a string');
    return RemotePath.of(text.split('/'));
  }

  get isRoot(): boolean {
    return this.segments.length === 0;
  }

  get name(): string {
    return this.segments[this.segments.length - 1] ?? '';
  }

  get parent(): RemotePath {
    return new RemotePath(this.segments.slice(0, -1));
  }

  child(name: string): RemotePath {
    return new RemotePath([...this.segments, checkSegment(name)]);
  }

  /** True when `this` is `other` or lies inside it. */
  within(other: RemotePath): boolean {
    return other.segments.length <= this.segments.length && other.segments.every((s, i) => s === this.segments[i]);
  }

  toString(): string {
    return '/' + this.segments.join('/');
  }

  /** Percent-encoded form for URLs. */
  toUrl(): string {
    return '/' + this.segments.map(encodeURIComponent).join('/');
  }

  /** The absolute FTP path under a site root. */
  under(root: string): string {
    const base = root.endsWith('/') ? root.slice(0, -1) : root;
    return this.isRoot ? base || '/' : `${base}/${this.segments.join('/')}`;
  }
}
