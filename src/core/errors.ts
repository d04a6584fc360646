// The one error catalogue of the gateway. Every failure that reaches a user is a
// GatewayError with a stable code and an HTTP status; fronts render it (REST as RFC 9457
// problem+json, WebDAV as a status). FTP replies are mapped here and nowhere else.
import { FtpConnectionError, FtpReplyError, FtpTimeoutError, PoolClosedError, PoolTimeoutError } from '../ftp/errors.js';

export const ERRORS = {
  bad_path: { status: 400, title: 'Invalid path' },
  bad_request: { status: 400, title: 'Bad request' },
  unauthorized: { status: 401, title: 'Authentication required' },
  forbidden: { status: 403, title: 'Permission denied' },
  read_only: { status: 403, title: 'Site is read-only' },
  cross_site: { status: 403, title: 'Cross-site request refused' },
  not_found: { status: 404, title: 'Not found' },
  site_not_found: { status: 404, title: 'No such site' },
  request_timeout: { status: 408, title: 'Transfer too slow' },
  conflict: { status: 409, title: 'Conflict' },
  gone: { status: 410, title: 'No longer available' },
  target_exists: { status: 412, title: 'Target exists' },
  precondition_failed: { status: 412, title: 'Precondition failed' },
  locked: { status: 423, title: 'Locked' },
  payload_too_large: { status: 413, title: 'Upload too large' },
  range_not_satisfiable: { status: 416, title: 'Range not satisfiable' },
  misdirected: { status: 421, title: 'Misdirected request' },
  too_many_requests: { status: 429, title: 'Too many failed logins' },
  too_large: { status: 422, title: 'Beyond the configured limits' },
  not_implemented: { status: 501, title: 'Not implemented by the FTP server' },
  bad_gateway: { status: 502, title: 'FTP server error' },
  unavailable: { status: 503, title: 'FTP server busy' },
  busy: { status: 503, title: 'File in use on the FTP server' },
  gateway_timeout: { status: 504, title: 'FTP server timed out' },
  insufficient_storage: { status: 507, title: 'FTP server out of space' },
} as const;

export type ErrorCode = keyof typeof ERRORS;

export class GatewayError extends Error {
  readonly status: number;
  readonly title: string;
  /** Seconds a client should wait before retrying (503). */
  retryAfter?: number;
  /** Response headers that belong to this error (e.g. a 416's Content-Range), for any front. */
  readonly headers: Record<string, string>;
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    options: { cause?: unknown; retryAfter?: number; headers?: Record<string, string> } = {},
  ) {
    super(detail, { cause: options.cause });
    this.name = 'GatewayError';
    this.status = ERRORS[code].status;
    this.title = ERRORS[code].title;
    this.headers = options.headers ?? {};
    if (options.retryAfter !== undefined) this.retryAfter = options.retryAfter;
  }
}

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

export function fromFtpError(err: unknown, op: Operation, what = 'the request'): GatewayError {
  if (err instanceof GatewayError) return err;
  if (err instanceof FtpReplyError) {
    const detail = `FTP server answered ${err.code} ${err.reply}`.slice(0, 500);
    switch (err.code) {
      case 530:
        return new GatewayError('unauthorized', `FTP login refused: ${err.reply}`, { cause: err });
      case 550:
      case 551:
      case 450:
      case 451:
        // 550 means "not found", "denied" and "in use" alike; the server's words tell them
        // apart, and when they do not, a read most likely missed and a write was refused.
        if (BUSY_TEXT.test(err.reply)) {
          return new GatewayError('busy', `${detail}; try again shortly`, { cause: err, retryAfter: BUSY_RETRY_SECONDS });
        }
        if (DENIED_TEXT.test(err.reply)) return new GatewayError('forbidden', detail, { cause: err });
        if (NOT_FOUND_TEXT.test(err.reply) || (op === 'read' && err.code === 550)) {
          return new GatewayError('not_found', detail, { cause: err });
        }
        return err.code === 550
          ? new GatewayError('forbidden', detail, { cause: err })
          : new GatewayError('bad_gateway', detail, { cause: err });
      case 553:
      case 501:
        return new GatewayError('bad_request', detail, { cause: err });
      case 452:
      case 552:
        return new GatewayError('insufficient_storage', detail, { cause: err });
      case 421:
        return new GatewayError('unavailable', detail, { cause: err, retryAfter: 5 });
      case 502:
      case 504:
        return new GatewayError('not_implemented', detail, { cause: err });
      default:
        return new GatewayError('bad_gateway', detail, { cause: err });
    }
  }
  if (err instanceof PoolTimeoutError) {
    return new GatewayError('unavailable', `${err.message}; try again shortly`, { cause: err, retryAfter: 2 });
  }
  if (err instanceof PoolClosedError) return new GatewayError('unavailable', err.message, { cause: err, retryAfter: 5 });
  if (err instanceof FtpTimeoutError) return new GatewayError('gateway_timeout', `${what}: ${err.message}`, { cause: err });
  if (err instanceof FtpConnectionError) return new GatewayError('bad_gateway', `${what}: ${err.message}`, { cause: err });
  const message = err instanceof Error ? err.message : String(err);
  return new GatewayError('bad_gateway', `${what}: ${message}`, { cause: err });
}

/**
 * The server's reply code behind an error, when a server's refusal caused it: fronts show the
 * code and keep the reply text (which may name the server's local paths) for the log.
 */
export function serverReplyCode(err: GatewayError): number | undefined {
  return err.cause instanceof FtpReplyError ? err.cause.code : undefined;
}
