// Responses the WebDAV front writes itself, on the raw Node response (the reply is hijacked).
import type { ServerResponse } from 'node:http';
import { GatewayError } from '../core/errors.js';
import { FILE_HEADERS, publicDetail } from '../http/problem.js';

/** A WebDAV status with an optional XML body (423 Locked, 403 propfind-finite-depth, ...). */
export class DavError extends Error {
  constructor(
    readonly status: number,
    readonly body?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(`WebDAV ${status}`);
    this.name = 'DavError';
  }
}

const WWW_AUTHENTICATE = 'Basic realm="ftpgate", charset="UTF-8"';

/** The error a failure stands for: our own, or one RemoteFs wrapped (a beforeCommit check). */
function unwrap(err: unknown): unknown {
  if (err instanceof GatewayError && err.cause instanceof DavError) return err.cause;
  return err;
}

export function sendError(res: ServerResponse, err: unknown, onUnexpected: (err: unknown) => void): void {
  if (res.headersSent) {
    res.destroy(err instanceof Error ? err : undefined);
    return;
  }
  for (const name of FILE_HEADERS) res.removeHeader(name);
  const e = unwrap(err);
  let status = 500;
  let body = '';
  let type = 'text/plain; charset=utf-8';
  if (e instanceof DavError) {
    status = e.status;
    for (const [name, value] of Object.entries(e.headers)) res.setHeader(name, value);
    if (e.body) {
      body = e.body;
      type = 'application/xml; charset=utf-8';
    }
  } else if (e instanceof GatewayError) {
    status = e.status;
    body = `${e.title}: ${publicDetail(e)}\n`; // no FTP reply text (server paths) in a body
    for (const [name, value] of Object.entries(e.headers)) res.setHeader(name, value);
    if (e.retryAfter !== undefined) res.setHeader('retry-after', String(e.retryAfter));
  } else {
    onUnexpected(e);
    body = 'the gateway failed; see its log\n';
  }
  if (status === 401) res.setHeader('www-authenticate', WWW_AUTHENTICATE);
  res.statusCode = status;
  res.setHeader('content-type', type);
  res.setHeader('content-length', String(Buffer.byteLength(body)));
  res.end(body);
}

export function sendStatus(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.statusCode = status;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.setHeader('content-length', '0');
  res.end();
}

/** An XML body, whole or in parts (a kept PROPFIND answer goes out as the bytes it is kept as). */
export function sendXml(res: ServerResponse, status: number, xml: string | Array<string | Buffer>, headers: Record<string, string> = {}): void {
  res.statusCode = status;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.setHeader('content-type', 'application/xml; charset=utf-8');
  if (typeof xml === 'string') {
    res.setHeader('content-length', String(Buffer.byteLength(xml)));
    res.end(xml);
    return;
  }
  res.setHeader('content-length', String(xml.reduce((n, part) => n + Buffer.byteLength(part), 0)));
  res.cork(); // one write of headers and parts
  for (const part of xml.slice(0, -1)) res.write(part);
  res.end(xml[xml.length - 1]);
}
