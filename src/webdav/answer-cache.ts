// The members' part of PROPFIND Depth 1 answers, kept as UTF-8 bytes so that a client asking
// again about a folder that has not changed gets them without building, encoding or measuring
// a megabyte of XML again (2,000 files: about 1.4 MB). What makes a kept answer
// still right is checked by its user (methods/propfind.ts); this only holds them, least
// recently used first out, within a budget: 64 MiB, at most half of it for one folder (an
// allprop answer of about 35,000 files; larger folders are built for each request).
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
  return answer.xml.length + answer.entries.length * 256;
}

export class AnswerCache {
  private readonly kept = new Map<string, MembersAnswer>();
  private bytes = 0;

  constructor(
    /** All kept answers together stay within this (costOf). */
    private readonly maxBytes = 64 * 1024 * 1024,
    private readonly maxAnswers = 64,
  ) {}

  get(key: string): MembersAnswer | undefined {
    const hit = this.kept.get(key);
    if (hit) {
      this.kept.delete(key); // most recently used last
      this.kept.set(key, hit);
    }
    return hit;
  }

  set(key: string, answer: MembersAnswer): void {
    this.delete(key);
    if (costOf(answer) > this.maxBytes / 2) return; // one folder does not push out all the others
    this.kept.set(key, answer);
    this.bytes += costOf(answer);
    for (const [oldest, old] of this.kept) {
      if (this.bytes <= this.maxBytes && this.kept.size <= this.maxAnswers) break;
      this.kept.delete(oldest);
      this.bytes -= costOf(old);
    }
  }

  delete(key: string): void {
    const old = this.kept.get(key);
    if (!old) return;
    this.kept.delete(key);
    this.bytes -= costOf(old);
  }
}
