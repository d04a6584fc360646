// A download's body as the fronts see it: a Readable that also counts its bytes. Behind it, the
// bytes take one of two ways, decided by the consumer:
//   - piped into an HTTP response (what Fastify's reply.send and WebDAV GET do) or into another
//     consumer marked TAKES_CHUNKS (a zip's entry, src/http/zip-writer.ts): each chunk is
//     written straight to it, and its buffer goes back to the producer in the write
//     callback. No stream in between, no copy; back-pressure pauses the producer until 'drain'.
//   - read as a stream by anything else (copy, JSON info files): chunks are pushed as usual
//     (a pooled buffer is copied first: it will be reused).
// The producer (src/ftp/session.ts) offers chunks with `offer`; when it returns false, it waits
// until the `resume` it passed is called.
import { ServerResponse } from 'node:http';
import { Readable, type Writable } from 'node:stream';
import { TAKES_CHUNKS } from '../core/backend.js';

/** Gives a chunk's memory back to its owner; called exactly once per offered chunk. */
export type Release = () => void;

export const noRelease: Release = () => {};

interface Held {
  chunk: Buffer;
  release: Release;
}

export class TransferStream extends Readable {
  /** Bytes the server has delivered so far (within the asked range). */
  bytes = 0;
  private consumer: 'none' | 'direct' | 'stream' = 'none';
  private dest?: Writable;
  /** Chunks that arrived before anybody consumed the stream (the first one, usually). */
  private held: Held[] = [];
  private pendingResume: (() => void) | undefined;
  private finished = false;

  constructor() {
    super({ highWaterMark: 256 * 1024 });
  }

  /** Read as a stream: chunks should come in buffers of their own (pooled ones would be copied). */
  get wantsOwnedBuffers(): boolean {
    return this.consumer === 'stream';
  }

  /**
   * Hand on one chunk. `release` is called once the chunk's memory is no longer needed;
   * false means "wait": `resume` is called when more may come.
   */
  offer(chunk: Buffer, release: Release, resume: () => void): boolean {
    if (this.destroyed) {
      release();
      return true; // the session is being closed: let its socket drain into nothing
    }
    let ok: boolean;
    if (this.consumer === 'direct') ok = this.dest!.write(chunk, release);
    else if (this.consumer === 'stream') ok = this.pushOwned(chunk, release);
    else {
      this.held.push({ chunk, release });
      ok = false;
    }
    if (!ok) this.pendingResume = resume;
    return ok;
  }

  /** Every byte has been offered: end the body. */
  finish(): void {
    if (this.finished || this.destroyed) return;
    this.finished = true;
    if (this.consumer === 'none') return; // ended when a consumer comes
    this.endBody();
  }

  private endBody(): void {
    if (this.consumer === 'direct') {
      this.dest!.end();
      // The Readable side ends too, so that `readableEnded` and 'end' tell the truth.
      this.push(null);
      this.resume();
    } else this.push(null);
  }

  private pushOwned(chunk: Buffer, release: Release): boolean {
    if (release === noRelease) return this.push(chunk);
    const copy = Buffer.from(chunk);
    release();
    return this.push(copy);
  }

  private wake(): void {
    const resume = this.pendingResume;
    this.pendingResume = undefined;
    resume?.();
  }

  private readonly onDrain = () => this.wake();

  override pipe<T extends NodeJS.WritableStream>(dest: T, options?: { end?: boolean }): T {
    // Anything else reads the stream: _read switches to pushing (held chunks first).
    const takesChunks = dest instanceof ServerResponse || (dest as { [TAKES_CHUNKS]?: boolean })[TAKES_CHUNKS] === true;
    if (this.consumer !== 'none' || !takesChunks || options?.end === false) return super.pipe(dest, options);
    this.consumer = 'direct';
    this.dest = dest as unknown as Writable;
    dest.on('drain', this.onDrain);
    // Like Readable.pipe, start on the next tick: the caller finishes its setup first.
    process.nextTick(() => {
      if (this.destroyed) return;
      const held = this.held;
      this.held = [];
      let ok = true;
      for (const { chunk, release } of held) ok = this.dest!.write(chunk, release);
      if (this.finished) this.endBody();
      else if (ok) this.wake();
    });
    return dest;
  }

  override _read(): void {
    if (this.consumer === 'direct') return; // only the final resume() of endBody gets here
    if (this.consumer === 'none') {
      this.consumer = 'stream';
      const held = this.held;
      this.held = [];
      for (const { chunk, release } of held) this.pushOwned(chunk, release);
      if (this.finished) {
        this.push(null);
        return;
      }
    }
    // Later than this call: the producer pauses right after `offer` returned false.
    queueMicrotask(() => this.wake());
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    for (const { release } of this.held) release();
    this.held = [];
    this.dest?.off('drain', this.onDrain);
    this.wake(); // a producer waiting for room must not wait for ever
    callback(err);
  }
}
