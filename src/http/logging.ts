// pino for the whole gateway. Credentials never reach a log line: no headers are logged,
// and the paths below are censored should anything pass them along anyway.
import pino, { type Logger } from 'pino';
import { digest } from '../auth/constant-time.js';

const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  'authorization',
  'password',
  '*.password',
  'creds',
  '*.creds',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '***' } }, destination);
}

/**
 * A URL path fit for the log: share-link ids (/s/{id}, .../shares/{id}) and resumable upload ids
 * (.../uploads/{id}) are bearer secrets (whoever holds one may use it), so they are censored
 * like passwords; the query string is dropped.
 */
export function loggedPath(url: string): string {
  return url
    .split('?')[0]!
    .replace(/^\/s\/[^/]+/, '/s/***')
    .replace(/^(\/api\/v1\/sites\/[^/]+\/(?:shares|uploads))\/[^/]+/, '$1/***');
}

/** A stand-in for a bearer id in a log line: the same id gives the same text within this process, and nothing outside it. */
export function loggedId(id: string): string {
  return 'h:' + digest(id).toString('base64url').slice(0, 12);
}
