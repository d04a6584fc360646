// The members' part of PROPFIND Depth 1 answers, kept as UTF-8 bytes so that a client asking
// again about a folder that has not changed gets them without building, encoding or measuring
// a megabyte of XML again (2,000 files: about 1.4 MB). What makes a kept answer
// still right is checked by its user (methods/propfind.ts); this only holds them (lru-cache, as
// the listing cache does), least recently used first out, within a budget: 64 MiB, at most half
// of it for one folder (an allprop answer of about 35,000 files; larger folders are built for
// each request), and none past 5 minutes unused, so that a browsing session's memory goes back.
import { LRUCache, type Perf } from 'lru-cache';
import type { Entry } from '../core/types.js';
import type { PropertyBag } from './property-store.js';

/** The members' <D:response> elements of one folder, for one kind of PROPFIND, one after the other. */
export interface MembersAnswer {
  /** The listing's entries they show, in order. */
  entries: readonly Entry[];
  /** Each member's property-store key (PropertyStore.keyOf), and its bag of dead properties then. */
  keys: readonly string[];
  bags: ReadonlyArray<PropertyBag | undefined>;
  /** Where each member's response ends in xml. */
  ends: Uint32Array;
  /** 1 for members no lock covered (a response with a lock in it shows a countdown: never reused). */
  reusable: Uint8Array;
  xml: Buffer;
}

/** Roughly what keeping an answer holds: its bytes, and per member the entry (kept alive past its listing) and key. */
function costOf(answer: MembersAnswer): number {
  // At least 1: lru-cache refuses a size of 0 (an empty folder's answer has no bytes).
  return Math.max(1, answer.xml.length + answer.entries.length * 256);
}

/** How long an answer nobody asks for again is kept. */
const IDLE_MS = 5 * 60_000;

export class AnswerCache {
  private readonly kept: LRUCache<string, MembersAnswer>;

  constructor(
    /** All kept answers together stay within this (costOf). */
    maxBytes = 64 * 1024 * 1024,
    maxAnswers = 64,
    /** The clock (tests). */
    perf?: Perf,
  ) {
    this.kept = new LRUCache<string, MembersAnswer>({
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

  get(key: string): MembersAnswer | undefined {
    return this.kept.get(key);
  }

  set(key: string, answer: MembersAnswer): void {
    this.kept.set(key, answer);
  }

  delete(key: string): void {
    this.kept.delete(key);
  }
}
