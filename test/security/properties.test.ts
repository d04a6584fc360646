// Property-based tests (fast-check) over the parsers hostile input meets first: URL paths,
// Range headers and Basic credentials. Whatever the input, each either refuses it with a
// GatewayError (a 4xx) or returns something inside its bounds; nothing else escapes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/core/errors.js';
import { RemotePath } from '../../src/core/paths.js';
import { requestedRange } from '../../src/http/conditional.js';
import { parseBasic } from '../../src/http/credentials.js';

const ROOT = '/srv/site';

/** Strings rich in what attacks paths: dots, slashes, backslashes, escapes, controls, non-ASCII. */
const pathish = fc
  .array(fc.constantFrom('.', '..', '/', '\\', '%', '%2e', '%2E', '%2f', '%5c', '%00', '%0d', '%0a', '%ff', '%c3%a9', 'a', 'é', '\u0000', '\r', '\n', ' ', '~', ':'), { maxLength: 30 })
  .map((parts) => parts.join(''));

function refusedAs4xx(fn: () => unknown): unknown {
  try {
    return fn();
  } catch (err) {
    expect(err).toBeInstanceOf(GatewayError);
    expect((err as GatewayError).status).toBeGreaterThanOrEqual(400);
    expect((err as GatewayError).status).toBeLessThan(500);
    return undefined;
  }
}

describe('path parsing', () => {
  it('never yields a path that leaves the root or carries "..", "\\..", NUL, CR or LF', () => {
    fc.assert(
      fc.property(fc.oneof(pathish, fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 100 })), (text) => {
        for (const parse of [() => RemotePath.fromUrl(text), () => RemotePath.fromPlain(text)]) {
          const path = refusedAs4xx(parse) as RemotePath | undefined;
          if (!path) continue;
          const ftp = path.under(ROOT);
          expect(ftp === ROOT || ftp.startsWith(ROOT + '/')).toBe(true);
          for (const segment of path.segments) {
            expect(segment).not.toBe('..');
            expect(segment).not.toBe('.');
            expect(segment).not.toMatch(/[/\0\r\n]/);
            // "\\" is an ordinary character, but never around a "." or ".." (a separator on some servers).
            expect(segment.split('\\')).not.toContain('..');
            expect(segment.split('\\')).not.toContain('.');
          }
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('keeps an account root (a path under the site root) unescapable by any child', () => {
    fc.assert(
      fc.property(fc.array(pathish, { maxLength: 6 }), (names) => {
        const accountRoot = RemotePath.fromPlain('/team/alice').under(ROOT);
        let path: RemotePath | undefined = RemotePath.root;
        for (const name of names) path = refusedAs4xx(() => path!.child(name)) as RemotePath | undefined ?? path;
        expect(path!.under(accountRoot).startsWith(accountRoot)).toBe(true);
      }),
    );
  });
});

describe('Range parsing', () => {
  it('returns nothing, a range inside the file, or a 416', () => {
    const header = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.tuple(fc.oneof(fc.constant(''), fc.bigInt({ min: 0n, max: 10n ** 25n }).map(String)), fc.oneof(fc.constant(''), fc.bigInt({ min: 0n, max: 10n ** 25n }).map(String))).map(([a, b]) => `bytes=${a}-${b}`),
      fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 1, maxLength: 50 }).map((r) => 'bytes=' + r.map(([a, b]) => `${a}-${b}`).join(',')),
    );
    fc.assert(
      fc.property(header, fc.nat({ max: 2 ** 40 }), (range, size) => {
        const result = refusedAs4xx(() => requestedRange({ range }, { name: 'f', type: 'file', size })) as { start: number; end: number } | undefined;
        if (!result) return;
        expect(Number.isSafeInteger(result.start) && Number.isSafeInteger(result.end)).toBe(true);
        expect(result.start).toBeGreaterThanOrEqual(0);
        expect(result.start).toBeLessThanOrEqual(result.end);
        expect(result.end).toBeLessThan(size);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('Basic credentials parsing', () => {
  it('round-trips any name and password without CR, LF or NUL, and refuses the rest with 401', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 100 }).filter((u) => !u.includes(':')), fc.string({ unit: 'binary', maxLength: 100 }), (user, password) => {
        const header = 'Basic ' + Buffer.from(`${user}:${password}`, 'utf8').toString('base64');
        const clean = !/[\r\n\0]/.test(user + password) && !/\uFFFD/.test(user + password);
        try {
          const creds = parseBasic(header);
          if (clean) expect(creds).toEqual({ user, password });
          expect(creds?.user).not.toMatch(/[\r\n\0]/);
          expect(creds?.password).not.toMatch(/[\r\n\0]/);
        } catch (err) {
          expect(clean && user.length + password.length < 1000).toBe(false);
          expect((err as GatewayError).status).toBe(401);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('answers any header text with credentials, nothing, or a 401', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), fc.base64String({ maxLength: 300 }).map((b) => 'Basic ' + b)), (header) => {
        const creds = refusedAs4xx(() => parseBasic(header)) as { user: string; password: string } | undefined;
        if (creds) expect(`${creds.user}:${creds.password}`).not.toMatch(/[\r\n\0]/);
      }),
      { numRuns: 3000 },
    );
  });
});
