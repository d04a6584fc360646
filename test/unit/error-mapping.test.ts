import { describe, expect, it } from 'vitest';
import { serverReplyCode } from '../../src/core/errors.js';
import { fromFtpError } from '../../src/ftp/reply-errors.js';
import { FtpConnectionError, FtpReplyError, FtpTimeoutError, PoolTimeoutError } from '../../src/ftp/errors.js';

describe('FTP reply to HTTP status', () => {
  it.each([
    [new FtpReplyError(530, 'Login incorrect.'), 'read', 401],
    [new FtpReplyError(550, 'No such file or directory'), 'write', 404],
    [new FtpReplyError(550, 'Failed to open file.'), 'read', 404],
    [new FtpReplyError(550, 'Permission denied.'), 'read', 403],
    [new FtpReplyError(550, 'Create directory operation failed.'), 'write', 403],
    [new FtpReplyError(553, 'Could not create file.'), 'write', 400],
    [new FtpReplyError(452, 'Insufficient storage space'), 'write', 507],
    [new FtpReplyError(552, 'Exceeded storage allocation'), 'write', 507],
    [new FtpReplyError(421, 'Too many connections'), 'read', 503],
    [new FtpReplyError(425, "Can't open data connection"), 'read', 502],
    [new FtpReplyError(426, 'Connection closed; transfer aborted'), 'read', 502],
    [new FtpTimeoutError('Timeout (control socket)'), 'read', 504],
    [new FtpConnectionError('ECONNREFUSED'), 'read', 502],
    [new PoolTimeoutError('s', 1000), 'read', 503],
  ] as const)('%s (%s) -> %i', (err, op, status) => {
    expect(fromFtpError(err, op).status).toBe(status);
  });
  it('asks clients to come back later when the pool is exhausted', () => {
    expect(fromFtpError(new PoolTimeoutError('s', 1000), 'read').retryAfter).toBeGreaterThan(0);
  });
  it("keeps the server's reply code on the core's error, and none for a failure without a reply", () => {
    expect(serverReplyCode(fromFtpError(new FtpReplyError(553, 'Prohibited file name'), 'write'))).toBe(553);
    expect(serverReplyCode(fromFtpError(new FtpReplyError(550, 'No such file'), 'read'))).toBe(550);
    expect(serverReplyCode(fromFtpError(new FtpTimeoutError('Timeout (control socket)'), 'read'))).toBeUndefined();
  });
});
