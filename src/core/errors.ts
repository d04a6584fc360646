// The one error catalogue of the gateway. Every failure that reaches a user is a
// GatewayError with a stable code and an HTTP status; fronts render it (REST as RFC 9457
// problem+json, WebDAV as a status). A back end maps its own failures onto these codes
// (src/ftp/reply-errors.ts for FTP replies).

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
  /** The back-end server's own reply code, when its refusal caused this error (FTP: 550, 553...). */
  readonly serverCode?: number;
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    options: { cause?: unknown; retryAfter?: number; headers?: Record<string, string>; serverCode?: number } = {},
  ) {
    super(detail, { cause: options.cause });
    this.name = 'GatewayError';
    this.status = ERRORS[code].status;
    this.title = ERRORS[code].title;
    this.headers = options.headers ?? {};
    if (options.retryAfter !== undefined) this.retryAfter = options.retryAfter;
    if (options.serverCode !== undefined) this.serverCode = options.serverCode;
  }
}

/**
 * The server's reply code behind an error, when a server's refusal caused it: fronts show the
 * code and keep the reply text (which may name the server's local paths) for the log.
 */
export function serverReplyCode(err: GatewayError): number | undefined {
  return err.serverCode;
}
