// Comparing secrets without telling an attacker, by the time it takes, how much of a guess was right.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** A key that lives as long as the process: what it protects is never stored. */
const PROCESS_KEY = randomBytes(32);

/** A keyed digest of a secret: fixed length, and useless outside this process. */
export function digest(secret: string): Buffer {
  return createHmac('sha256', PROCESS_KEY).update(secret, 'utf8').digest();
}

/** Equal strings, compared in constant time (both are digested first, so lengths do not leak). */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

/** A digest against a secret, in constant time. */
export function matchesDigest(expected: Buffer, secret: string): boolean {
  const actual = digest(secret);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
