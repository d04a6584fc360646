// Path rules, in one place. A RemotePath is a list of checked segments relative to a
// site's root; nothing can walk out of the root because ".." is refused, not resolved.
import { GatewayError } from './errors.js';

export const MAX_NAME_BYTES = 255;
export const MAX_PATH_BYTES = 4096;

export function checkSegment(segment: string): string {
  if (segment === '.' || segment === '..') throw new GatewayError('bad_path', `"${segment}" is not allowed in a path`);
  if (/[\0\r\n]/.test(segment)) throw new GatewayError('bad_path', 'NUL, CR and LF are not allowed in a path');
  if (segment.includes('/') || segment.includes('\\')) {
    throw new GatewayError('bad_path', 'a name may not contain "/" or "\\"');
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
