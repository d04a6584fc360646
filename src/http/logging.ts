// pino for the whole gateway. Credentials never reach a log line: no headers are logged,
// and the paths below are censored should anything pass them along anyway.
import pino, { type Logger } from 'pino';

export const REDACT_PATHS = [
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
