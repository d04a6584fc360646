import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/core/errors.js';
import { isReservedName, RemotePath, unsendable } from '../../src/core/paths.js';

function refused(fn: () => unknown): GatewayError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(GatewayError);
    return err as GatewayError;
  }
  throw new Error('expected the path to be refused');
}

describe('RemotePath', () => {
  it('decodes each URL segment exactly once', () => {
    const p = RemotePath.fromUrl('a%20b/%2525%23%3F/%E6%97%A5%E6%9C%AC.txt');
    expect(p.segments).toEqual(['a b', '%25#?', '日本.txt']);
    expect(p.toString()).toBe('/a b/%25#?/日本.txt');
    expect(RemotePath.fromUrl(p.toUrl().slice(1)).segments).toEqual(p.segments);
  });

  it('drops empty segments from doubled and trailing slashes', () => {
    expect(RemotePath.fromUrl('a//b/').segments).toEqual(['a', 'b']);
    expect(RemotePath.fromUrl('').isRoot).toBe(true);
  });

  it.each([
    ['..', 'raw dot-dot'],
    ['a/../../etc', 'dot-dot inside'],
    ['%2e%2e', 'encoded dot-dot'],
    ['%2E%2E/x', 'upper-case encoded dot-dot'],
    ['.', 'a single dot'],
    ['a%2Fb', 'an encoded slash inside a segment'],
    ['a%5C..%5C..%5Cetc', 'dot-dot between backslashes (a separator on some servers)'],
    ['..%5Cx', 'leading dot-dot before a backslash'],
    ['x%5C.', 'a dot after a backslash'],
    ['a%00b', 'NUL'],
    ['a%0D%0ADELE%20x', 'CR LF'],
    ['a%0Ab', 'LF'],
    ['%E0%A4%A', 'malformed percent-encoding'],
  ])('refuses %s (%s) with 400', (input) => {
    const err = refused(() => RemotePath.fromUrl(input));
    expect(err.status).toBe(400);
  });

  it('refuses names over 255 bytes and paths over 4096 bytes', () => {
    expect(refused(() => RemotePath.fromUrl('x'.repeat(256))).code).toBe('bad_path');
    RemotePath.fromUrl('x'.repeat(255));
    const long = Array.from({ length: 20 }, () => 'y'.repeat(250)).join('/');
    expect(refused(() => RemotePath.fromUrl(long)).code).toBe('bad_path');
  });

  it('places paths under the site root and never above it', () => {
    expect(RemotePath.fromUrl('a/b').under('/srv/ftp')).toBe('/srv/ftp/a/b');
    expect(RemotePath.fromUrl('a/b').under('/srv/ftp/')).toBe('/srv/ftp/a/b');
    expect(RemotePath.root.under('/')).toBe('/');
    expect(RemotePath.root.under('/srv')).toBe('/srv');
    expect(RemotePath.fromUrl('a').under('/')).toBe('/a');
  });

  it('parses plain JSON paths without decoding them', () => {
    expect(RemotePath.fromPlain('/docs/100%25 done.txt').segments).toEqual(['docs', '100%25 done.txt']);
    expect(refused(() => RemotePath.fromPlain('/docs/../../x')).status).toBe(400);
  });

  it('knows when one path lies within another', () => {
    const a = RemotePath.fromPlain('/a/b');
    expect(RemotePath.fromPlain('/a/b/c').within(a)).toBe(true);
    expect(a.within(a)).toBe(true);
    expect(RemotePath.fromPlain('/a/bc').within(a)).toBe(false);
  });

  it('keeps a backslash as an ordinary character of a name (Unix servers allow it)', () => {
    expect(RemotePath.fromUrl('a%5Cb/c\\d').segments).toEqual(['a\\b', 'c\\d']);
  });
});

describe('bytes on the wire', () => {
  it('judges a name on the bytes it becomes in the site encoding', () => {
    // latin1 writes U+010D as 0x0D and U+010A as 0x0A: one path, two commands.
    expect(unsendable('x\u010d\u010aDELE victim.txt', 'latin1')).toMatch(/NUL, CR or LF|cannot represent/);
    expect(unsendable('x\u010d\u010aDELE victim.txt', 'utf8')).toBeUndefined();
    expect(unsendable('日本.txt', 'latin1')).toMatch(/cannot represent/);
    expect(unsendable('café.txt', 'latin1')).toBeUndefined();
    expect(unsendable('a\rb', 'utf8')).toMatch(/NUL, CR or LF/);
    expect(unsendable('a\u0000b', 'latin1')).toMatch(/NUL, CR or LF/);
    expect(unsendable('lone \ud800 surrogate', 'utf8')).toMatch(/cannot represent/);
  });

  it('reserves the names of the gateway\'s temporary files, in any case', () => {
    expect(isReservedName('.ftpgate-upload-0123456789abcdef')).toBe(true);
    expect(isReservedName('.FTPGATE-anything')).toBe(true);
    expect(isReservedName('ftpgate-skipped.txt')).toBe(false);
    expect(isReservedName('.ftpgatex')).toBe(false);
  });
});
