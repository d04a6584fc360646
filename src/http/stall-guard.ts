// Stalled transfers are cut (like Apache's mod_reqtimeout MinRate), so that a client sending or
// reading a byte now and then cannot hold an FTP session for ever (issue 15): a request body or a
// response that moves slower than `minTransferRate` over `minTransferRateWindowMs`, or not at all
// for `transferIdleTimeoutMs`. Only time spent waiting for the client counts: an upload while its
// body is being read (not while it waits for a session), a download while bytes wait for the
// client to take them. Progress is read from the socket's own counters: no extra stream hop.
// An upload gets 408 (its temporary file is removed by RemoteFs.write); a download's connection
// is closed. Either way the FTP transfer fails and its session is closed, never lent again.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SiteConfig } from '../config/schema.js';
import { GatewayError } from '../core/errors.js';
import { problemOf } from './problem.js';

interface StallLimits {
  /** Bytes per second; 0: no rate check. */
  minRate: number;
  windowMs: number;
  /** No byte at all for this long; 0: no idle check. */
  idleMs: number;
}

function stallLimits(site: SiteConfig): StallLimits {
  return { minRate: site.minTransferRate, windowMs: site.minTransferRateWindowMs, idleMs: site.transferIdleTimeoutMs };
}

/** Samples `progress` while `waitingOnClient`; calls `onStall` once with the reason. Returns stop. */
function watchStall(limits: StallLimits, progress: () => number, waitingOnClient: () => boolean, onStall: (why: string) => void): () => void {
  if (limits.minRate <= 0 && limits.idleMs <= 0) return () => {};
  const shortest = Math.min(limits.minRate > 0 ? limits.windowMs : Infinity, limits.idleMs > 0 ? limits.idleMs : Infinity);
  const every = Math.min(1000, Math.max(50, Math.floor(shortest / 10)));
  let last = Date.now();
  let lastBytes = progress();
  let idle = 0;
  let windowWaited = 0;
  let windowStart = lastBytes;
  const timer = setInterval(() => {
    const now = Date.now();
    const dt = now - last;
    last = now;
    const bytes = progress();
    const waiting = waitingOnClient();
    if (bytes !== lastBytes) {
      lastBytes = bytes;
      idle = 0;
    } else if (waiting) idle += dt;
    if (limits.idleMs > 0 && idle >= limits.idleMs) return stop(`no data for ${limits.idleMs} ms`);
    if (waiting) windowWaited += dt;
    if (limits.minRate > 0 && windowWaited >= limits.windowMs) {
      const moved = bytes - windowStart;
      const wanted = (limits.minRate * windowWaited) / 1000;
      if (moved < wanted) return stop(`${moved} bytes in ${windowWaited} ms, below ${limits.minRate} bytes/s`);
      windowStart = bytes;
      windowWaited = 0;
    }
  }, every);
  timer.unref();
  let stopped = false;
  function stop(why?: string): void {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
    if (why) onStall(why);
  }
  return () => stop();
}

export interface UploadGuard {
  /** `work` (the upload), or a 408 GatewayError as soon as the body stalls. */
  race<T>(work: Promise<T>): Promise<T>;
}

/**
 * Watch a request body. `respond`: the route hijacked its reply (tus), so the guard answers 408
 * itself; otherwise the route awaits `race` and its error handler answers.
 */
export function guardUpload(req: IncomingMessage, res: ServerResponse, site: SiteConfig, options: { respond?: boolean } = {}): UploadGuard {
  const socket = req.socket;
  const base = socket.bytesRead;
  let fail: ((err: GatewayError) => void) | undefined;
  let stalled: GatewayError | undefined;
  const stop = watchStall(
    stallLimits(site),
    () => socket.bytesRead - base,
    // The body is being read (flowing) and not all of it has come: we wait for the client.
    () => !req.complete && req.readableFlowing === true,
    (why) => {
      stalled = new GatewayError('request_timeout', `the upload stalled: ${why}; nothing was written`, { headers: { connection: 'close' } });
      // Once the 408 is out, end the body: the FTP transfer fails, its temporary file is removed.
      const cut = () => req.destroy();
      res.once('finish', cut);
      setTimeout(cut, 2000).unref();
      if (options.respond && !res.headersSent) {
        const body = JSON.stringify({ ...problemOf(stalled), instance: (req.url ?? '/').split('?')[0] });
        res.writeHead(408, { 'content-type': 'application/problem+json', 'content-length': Buffer.byteLength(body), connection: 'close' });
        res.end(body);
      } else if (options.respond) cut();
      fail?.(stalled);
    },
  );
  req.once('end', stop);
  res.once('close', stop);
  return {
    race<T>(work: Promise<T>): Promise<T> {
      if (stalled) return Promise.reject(stalled);
      return new Promise<T>((resolve, reject) => {
        fail = reject;
        work.then(resolve, (err: unknown) => reject(stalled ?? err));
      });
    },
  };
}

/** Watch a response body: when the client stops taking it, close the connection. */
export function guardDownload(res: ServerResponse, site: SiteConfig): void {
  const socket = res.socket;
  if (!socket) return;
  const base = socket.bytesWritten;
  const stop = watchStall(
    stallLimits(site),
    () => socket.bytesWritten - base,
    // Bytes wait in the response's buffers: the client is not taking them.
    () => res.writableLength > 0,
    () => res.destroy(),
  );
  res.once('close', stop);
}
