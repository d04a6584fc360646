// Keeping WebDAV locks and dead properties the same on every gateway instance: each request
// first syncs the stores with the shared state; its changes are stored before its response
// leaves (the first write or end of the response waits for them), so a client that hears
// "locked" from one instance finds the lock on all. LOCK, UNLOCK and PROPPATCH, which read
// and then change the stores, run under a mutex shared by all instances.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError } from '../core/errors.js';
import { StateUnavailableError } from '../state/state.js';
import type { DavShared } from './shared.js';

const EXCLUSIVE = new Set(['LOCK', 'UNLOCK', 'PROPPATCH']);

function flushAll(shared: DavShared): Promise<void> | undefined {
  if (!shared.locks.dirty && !shared.props.dirty) return undefined;
  return Promise.all([shared.locks.flush(), shared.props.flush()]).then(() => undefined);
}

/**
 * Hold the response's first write or end until the stores' pending changes are stored.
 * Node sends nothing (headers included) before the first write or end, so the client cannot
 * see the outcome of a change before it is visible to every instance. If storing fails the
 * response is cut: the client must not believe in a lock that others do not see.
 */
function holdResponseUntilStored(shared: DavShared, res: ServerResponse): void {
  const write = res.write as (...args: unknown[]) => unknown;
  const end = res.end as (...args: unknown[]) => unknown;
  const restore = () => {
    res.write = write as typeof res.write;
    res.end = end as typeof res.end;
  };
  let queued: Array<{ fn: 'write' | 'end'; args: unknown[] }> | undefined;
  const intercept = (fn: 'write' | 'end') =>
    function (this: ServerResponse, ...args: unknown[]): unknown {
      if (queued) {
        queued.push({ fn, args });
        return fn === 'write' ? false : res;
      }
      const storing = flushAll(shared);
      if (!storing) {
        restore();
        return (fn === 'write' ? write : end).apply(res, args);
      }
      queued = [{ fn, args }];
      storing.then(
        () => {
          restore();
          const calls = queued!;
          queued = undefined;
          let wantsDrain = false;
          for (const call of calls) {
            if (call.fn === 'write') wantsDrain = true;
            (call.fn === 'write' ? write : end).apply(res, call.args);
          }
          if (wantsDrain && !res.writableEnded) res.emit('drain');
        },
        (err: unknown) => {
          restore();
          queued = undefined;
          res.destroy(err instanceof Error ? err : new Error(String(err)));
        },
      );
      return fn === 'write' ? false : res;
    };
  res.write = intercept('write') as typeof res.write;
  res.end = intercept('end') as typeof res.end;
}

/** Serve one WebDAV request with the stores in sync with the shared state (503 when it is out of reach). */
export async function withDavState<T>(shared: DavShared, req: IncomingMessage, res: ServerResponse, serve: () => Promise<T>): Promise<T> {
  try {
    return await withState(shared, req, res, serve);
  } catch (err) {
    if (err instanceof StateUnavailableError) throw new GatewayError('unavailable', 'lock and property state unavailable; try again shortly', { cause: err, retryAfter: 2 });
    throw err;
  }
}

async function withState<T>(shared: DavShared, req: IncomingMessage, res: ServerResponse, serve: () => Promise<T>): Promise<T> {
  const run = async () => {
    await Promise.all([shared.locks.sync(), shared.props.sync()]);
    holdResponseUntilStored(shared, res);
    try {
      return await serve();
    } finally {
      // Changes made after the response started (a lock found expired while streaming).
      await flushAll(shared)?.catch(() => undefined);
    }
  };
  if (!EXCLUSIVE.has(req.method ?? '')) return run();
  return shared.state.withMutex('webdav', run);
}
