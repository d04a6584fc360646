// What can go wrong in the FTP layer, in types the core can map without knowing basic-ftp.
import { FTPError } from 'basic-ftp';

/** The server answered a command with a 4xx or 5xx reply; the control connection is still usable. */
export class FtpReplyError extends Error {
  constructor(
    readonly code: number,
    readonly reply: string,
    readonly command?: string,
  ) {
    super(`FTP ${code} ${reply}`);
    this.name = 'FtpReplyError';
  }
}

/** The server did not answer in time. */
export class FtpTimeoutError extends Error {
  override name = 'FtpTimeoutError';
}

/** The connection failed, was refused, or closed under us. */
export class FtpConnectionError extends Error {
  override name = 'FtpConnectionError';
}

/** No session became free within the pool's queue timeout. */
export class PoolTimeoutError extends Error {
  override name = 'PoolTimeoutError';
  constructor(
    readonly site: string,
    readonly waitedMs: number,
  ) {
    super(`all FTP sessions of site ${site} stayed busy for ${waitedMs} ms`);
  }
}

/** The pool is shutting down. */
export class PoolClosedError extends Error {
  override name = 'PoolClosedError';
}

/** Translate whatever basic-ftp or a socket threw into one of the errors above. */
export function toFtpError(err: unknown, command?: string): Error {
  if (err instanceof FtpReplyError || err instanceof FtpTimeoutError || err instanceof FtpConnectionError) return err;
  if (err instanceof PoolTimeoutError || err instanceof PoolClosedError) return err;
  if (err instanceof FTPError) {
    const text = err.message.replace(/^\d{3}[ -]?/, '').trim();
    return new FtpReplyError(err.code, text, command);
  }
  const message = err instanceof Error ? err.message : String(err);
  if (/timeout/i.test(message)) return new FtpTimeoutError(message);
  return new FtpConnectionError(message);
}
