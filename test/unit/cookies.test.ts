// The toolkit's one cookie reader, used by the browser's session and share links' unlock tokens.
import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { readCookie } from '../../src/http/cookies.js';

const req = (cookie?: string) => ({ headers: cookie === undefined ? {} : { cookie } }) as unknown as FastifyRequest;

describe('readCookie', () => {
  it('finds one cookie among others, by its exact name, keeping "=" inside the value', () => {
    const header = 'ftpgate_share_ab=no; ftpgate_share_abc=tok=en==;  ftpgate_session = s1 ';
    expect(readCookie(req(header), 'ftpgate_share_abc')).toBe('tok=en==');
    expect(readCookie(req(header), 'ftpgate_share_ab')).toBe('no');
    expect(readCookie(req(header), 'ftpgate_session')).toBe('s1');
  });

  it('is undefined without the header, for a missing name, and for pairs without a name or "="', () => {
    expect(readCookie(req(), 'a')).toBeUndefined();
    expect(readCookie(req('b=1'), 'a')).toBeUndefined();
    expect(readCookie(req('=x; a; ;'), 'a')).toBeUndefined();
    expect(readCookie(req('=x'), '')).toBeUndefined();
  });
});
