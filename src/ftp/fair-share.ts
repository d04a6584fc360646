// Who may hold a site's sessions, so that no client starves the others (issue 15):
// - short commands (listings, stat, mkdir, delete, rename) may always have a session: transfers
//   together hold at most `limit - 1`, so one session is always left for commands;
// - one client (address and FTP user) holds at most `clientShare` of the sessions for transfers;
// - a waiting request is served in turn by how many sessions its client holds (fewest first),
//   then by age, so a client with many requests queues behind the others.
// A nested transfer (a request that already holds one: a copy reading while it writes) is not
// held back by these limits, or it would wait for itself.

/**
 * The client a request comes from, as whoever calls the pool knows it (the core carries it through
 * each request's async work: src/core/client-context.ts). The pool never asks HTTP or the core.
 */
interface ClientContext {
  readonly address: string;
  /** Transfer sessions this request holds now (bumped here). */
  transfers: number;
}

/** Tells the pool which client the current request belongs to; none outside any request. */
export type ClientOf = () => ClientContext | undefined;

export type RequestKind = 'command' | 'transfer';

export interface Ticket {
  readonly client: string;
  readonly kind: RequestKind;
  readonly nested: boolean;
  readonly context?: ClientContext;
}

export class FairShare {
  private transfers = 0;
  private readonly transfersOf = new Map<string, number>();
  private readonly heldBy = new Map<string, number>();

  constructor(
    private readonly clientShare: number,
    private readonly clientOf: ClientOf = () => undefined,
  ) {}

  /** A ticket for a request of `user`, from the client in the current async context. */
  ticket(user: string, kind: RequestKind): Ticket {
    const context = this.clientOf();
    const client = `${context?.address ?? 'gateway'}\0${user}`;
    return { client, kind, nested: kind === 'transfer' && (context?.transfers ?? 0) > 0, ...(context ? { context } : {}) };
  }

  /** Sessions transfers may hold together under a limit of `limit` sessions. */
  transferLimit(limit: number): number {
    return limit >= 2 ? limit - 1 : 1;
  }

  /** Sessions one client may hold for transfers. */
  clientLimit(limit: number): number {
    return Math.min(this.transferLimit(limit), Math.max(1, Math.floor(limit * this.clientShare)));
  }

  /** May this request have a session now, as far as the shares go? */
  allows(t: Ticket, limit: number): boolean {
    if (t.kind === 'command' || t.nested) return true;
    return this.transfers < this.transferLimit(limit) && (this.transfersOf.get(t.client) ?? 0) < this.clientLimit(limit);
  }

  grant(t: Ticket): void {
    bump(this.heldBy, t.client, 1);
    if (t.kind !== 'transfer') return;
    this.transfers++;
    bump(this.transfersOf, t.client, 1);
    if (t.context) t.context.transfers++;
  }

  ungrant(t: Ticket): void {
    bump(this.heldBy, t.client, -1);
    if (t.kind !== 'transfer') return;
    this.transfers--;
    bump(this.transfersOf, t.client, -1);
    if (t.context) t.context.transfers--;
  }

  /** Transfers running now. */
  get transfersRunning(): number {
    return this.transfers;
  }

  /** The waiter to serve next: allowed now, its client holding the fewest sessions, then the oldest. */
  pick<W extends { ticket: Ticket; since: number }>(waiters: readonly W[], limit: number): W | undefined {
    let best: W | undefined;
    let bestHeld = Infinity;
    for (const w of waiters) {
      if (!this.allows(w.ticket, limit)) continue;
      const held = this.heldBy.get(w.ticket.client) ?? 0;
      if (held < bestHeld || (held === bestHeld && best !== undefined && w.since < best.since)) {
        best = w;
        bestHeld = held;
      }
    }
    return best;
  }
}

function bump(map: Map<string, number>, key: string, by: number): void {
  const n = (map.get(key) ?? 0) + by;
  if (n <= 0) map.delete(key);
  else map.set(key, n);
}
