// Who a request comes from (the client's address), carried through its async work so that the
// session pool can share a site fairly between clients without knowing HTTP. A front enters
// the context once per request; code outside any request (sweeps, probes) has none.
import { AsyncLocalStorage } from 'node:async_hooks';

export interface ClientContext {
  /** The client's address, as the front sees it (after trusted proxies). */
  readonly address: string;
  /** Transfer sessions this request holds now: a nested transfer (a copy reading while it writes) is not held back by the client's share. */
  transfers: number;
}

const storage = new AsyncLocalStorage<ClientContext>();

/** Run `fn` (and everything it starts) as a request of `address`. */
export function runAsClient<T>(address: string, fn: () => T): T {
  return storage.run({ address, transfers: 0 }, fn);
}

export function currentClient(): ClientContext | undefined {
  return storage.getStore();
}
