// FTP failures in the core's terms: a server reply, a timeout, a lost connection or a full pool
// becomes a GatewayError of the one catalogue (src/core/errors.ts). FTP replies are mapped here
// and nowhere else; the reply's code rides along as `serverCode` for fronts that show it.
import { GatewayError, type ErrorCode } from '../core/errors.js';
import { FtpConnectionError, FtpReplyError, FtpTimeoutError, PoolClosedError, PoolTimeoutError } from './errors.js';

/** Whether the failing operation read or changed the server: decides an ambiguous 550. */
export type Operation = 'read' | 'write';

const NOT_FOUND_TEXT = /no such|not found|not exist|doesn't exist|cannot find|can't find|couldn't open|failed to open|unknown file|ENOENT/i;
/**
 * A file another process holds open: IIS ("The process cannot access the file because it is
 * being used by another process.", KB2505047); ProFTPD and Pure-FTPd pass the system's words
 * through ("Text file busy", "Device or resource busy", "Resource temporarily unavailable").
 * Not a missing file: the client should try again, not forget it.
 */
const BUSY_TEXT = /being used by another process|sharing violation|text file busy|resource busy|resource temporarily unavailable|file is (?:locked|busy|in use)/i;
const BUSY_RETRY_SECONDS = 5;
const DENIED_TEXT = /denied|permission|not allowed|forbidden|refused|not permitted|read-only|EACCES|EPERM/i;

function fromReply(err: FtpReplyError, op: Operation): GatewayError {
  const detail = `FTP server answered ${err.code} ${err.reply}`.slice(0, 500);
  const make = (code: ErrorCode, text = detail, retryAfter?: number) =>
    new GatewayError(code, text, { cause: err, serverCode: err.code, ...(retryAfter !== undefined ? { retryAfter } : {}) });
  switch (err.code) {
    case 530:
      return make('unauthorized', `FTP login refused: ${err.reply}`);
    case 550:
    case 551:
    case 450:
    case 451:
      // 550 means "not found", "denied" and "in use" alike; the server's words tell them
      // apart, and when they do not, a read most likely missed and a write was refused.
      if (BUSY_TEXT.test(err.reply)) return make('busy', `${detail}; try again shortly`, BUSY_RETRY_SECONDS);
      if (DENIED_TEXT.test(err.reply)) return make('forbidden');
      if (NOT_FOUND_TEXT.test(err.reply) || (op === 'read' && err.code === 550)) return make('not_found');
      return err.code === 550 ? make('forbidden') : make('bad_gateway');
    case 553:
    case 501:
      return make('bad_request');
    case 452:
    case 552:
      return make('insufficient_storage');
    case 421:
      return make('unavailable', detail, 5);
    case 502:
    case 504:
      return make('not_implemented');
    default:
      return make('bad_gateway');
  }
}

export function fromFtpError(err: unknown, op: Operation, what = 'the request'): GatewayError {
  if (err instanceof GatewayError) return err;
  if (err instanceof FtpReplyError) return fromReply(err, op);
  if (err instanceof PoolTimeoutError) {
    return new GatewayError('unavailable', `${err.message}; try again shortly`, { cause: err, retryAfter: 2 });
  }
  if (err instanceof PoolClosedError) return new GatewayError('unavailable', err.message, { cause: err, retryAfter: 5 });
  if (err instanceof FtpTimeoutError) return new GatewayError('gateway_timeout', `${what}: ${err.message}`, { cause: err });
  if (err instanceof FtpConnectionError) return new GatewayError('bad_gateway', `${what}: ${err.message}`, { cause: err });
  const message = err instanceof Error ? err.message : String(err);
  return new GatewayError('bad_gateway', `${what}: ${message}`, { cause: err });
}
