// Answers built from a folder's listing (PROPFIND Depth 1's members, the REST front's JSON
// listing), kept as UTF-8 bytes so that a client asking again about a folder that has not
// changed gets them without building, encoding or measuring them again (2,000 files: about
// 1.4 MB of XML, 180 kB of JSON, and as much garbage for the collector each time).
// What makes a kept answer still right is checked by its user, starting with stillShows below:
// an answer is a function of the listing's entries and of what its key holds. This only holds
// them (lru-cache, as the listing cache does), least recently used first out, within a budget:
// by default 64 MiB, at most half of it for one folder (an allprop answer of about 35,000
// files; larger folders are built for each request), and none past 5 minutes unused, so that
// a browsing session's memory goes back.
import { LRUCache, type Perf } from 'lru-cache';
import type { Entry } from '../core/types.js';

/** What every kept answer has: the listing entries it shows, in order, and its bytes. */
export interface KeptAnswer {
  /** Replaced by an equal listing's entries when one is found equal (stillShows). */
  entries: readonly Entry[];
  bytes: Buffer;
}

/** Roughly what keeping an answer holds: its bytes, and per entry the object (kept alive past its listing). */
function costOf(answer: KeptAnswer): number {
  // At least 1: lru-cache refuses a size of 0 (an empty folder's PROPFIND members have no bytes).
  return Math.max(1, answer.bytes.length + answer.entries.length * 256);
}

/** How long an answer nobody asks for again is kept. */
const IDLE_MS = 5 * 60_000;

export class AnswerCache<A extends KeptAnswer> {
  private readonly kept: LRUCache<string, A>;

  constructor(
    /** All kept answers together stay within this (costOf). */
    maxBytes = 64 * 1024 * 1024,
    maxAnswers = 64,
    /** The clock (tests). */
    perf?: Perf,
  ) {
    this.kept = new LRUCache<string, A>({
      max: maxAnswers,
      maxSize: maxBytes,
      // One folder does not push out all the others; a larger answer is not kept, and a set of
      // one drops the answer it would have replaced.
      maxEntrySize: Math.floor(maxBytes / 2),
      sizeCalculation: costOf,
      ttl: IDLE_MS,
      updateAgeOnGet: true,
      ttlAutopurge: true,
      ttlResolution: 0, // read the clock at each look-up: no timer per look-up (as the listing cache)
      ...(perf ? { perf } : {}),
    });
  }

  get(key: string): A | undefined {
    return this.kept.get(key);
  }

  set(key: string, answer: A): void {
    this.kept.set(key, answer);
  }
}

/**
 * Does a kept answer show these entries: as many, each the same object or one with the same
 * fields and values (sameEntry), and `alsoFor(i)` true for each (what else the answer shows
 * of entry i, for its user to check)? A listing cached since hands out the very same objects;
 * one listed again after it expired, equal ones, which the answer takes as its own so that
 * the next check is by identity; after a write through the gateway the listing is fetched
 * again and the entry written differs (its size, time or write-journal generation).
 */
export function stillShows(kept: KeptAnswer, entries: readonly Entry[], alsoFor?: (i: number) => boolean): boolean {
  if (kept.entries.length !== entries.length) return false;
  let identical = true;
  for (let i = 0; i < entries.length; i++) {
    if (alsoFor && !alsoFor(i)) return false;
    const before = kept.entries[i]!;
    if (before === entries[i]) continue;
    if (!sameEntry(before, entries[i]!)) return false;
    identical = false;
  }
  if (!identical) kept.entries = entries.slice();
  return true;
}

/** Two listing entries with the same fields and values (times by their instant): any answer shows them alike. */
export function sameEntry(a: Entry, b: Entry): boolean {
  if (a === b) return true;
  const x = a as unknown as Record<string, unknown>;
  const y = b as unknown as Record<string, unknown>;
  const keys = Object.keys(x);
  if (keys.length !== Object.keys(y).length) return false;
  for (const k of keys) {
    if (!Object.hasOwn(y, k)) return false;
    const u = x[k];
    const v = y[k];
    if (u === v) continue;
    if (u instanceof Date && v instanceof Date && u.getTime() === v.getTime()) continue;
    return false;
  }
  return true;
}
