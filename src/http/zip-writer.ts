// Writing a zip while it streams (PKWARE APPNOTE 6.3), entry after entry, into a sink with
// back-pressure. It replaces yazl, whose entries go through three Transforms and a PassThrough,
// each chunk a copy of its own: here a stored entry's chunks go from the back end's read buffers
// straight to the response (the entry takes them like a ServerResponse does, TAKES_CHUNKS), with
// only the CRC-32 computed on the way. The records are yazl's: UTF-8 names (flag bit 11), sizes
// and CRC in a data descriptor after the data (bit 3), ZIP64 where a size or offset needs it,
// an Info-ZIP mtime in the central directory, and the names yazl refused refused here too.
import { EventEmitter } from 'node:events';
import { ServerResponse } from 'node:http';
import { Readable, type Writable } from 'node:stream';
import zlib from 'node:zlib';
import { TAKES_CHUNKS } from '../core/backend.js';
import { loadCrc32, type Crc32 } from './crc32.js';

/** Where the archive goes: `write` like ServerResponse.write(chunk, callback); false means await `drained()`. */
export interface ZipSink {
  write(chunk: Buffer, release?: () => void): boolean;
  /** Resolves when more may be written (or the sink is gone: the next write is then ignored). */
  drained(): Promise<void>;
}

export type ZipItem =
  | { kind: 'directory'; name: string; mtime: Date }
  | { kind: 'buffer'; name: string; mtime: Date; data: Buffer }
  | { kind: 'file'; name: string; mtime: Date; size: number; compress: boolean; open: () => Promise<Readable> };

/** The names a zip cannot hold (yazl's rules): throws with the reason, else the name as stored. */
export function zipName(name: string, directory: boolean): string {
  if (name === '') throw new Error('empty metadataPath');
  let path = name.replace(/\\/g, '/');
  if (/^[a-zA-Z]:/.test(path) || path.startsWith('/')) throw new Error(`absolute path: ${path}`);
  if (path.split('/').includes('..')) throw new Error(`invalid relative path: ${path}`);
  if (directory) {
    if (!path.endsWith('/')) path += '/';
  } else if (path.endsWith('/')) throw new Error(`file path cannot end with '/': ${path}`);
  if (Buffer.byteLength(path) > 0xffff) throw new Error('utf8 file name too long');
  return path;
}

const MADE_BY = (3 << 8) | 63; // Unix, APPNOTE 6.3
const NEEDS = 20;
const NEEDS_ZIP64 = 45;
const FLAGS_UTF8 = 1 << 11;
const FLAG_DESCRIPTOR = 1 << 3;
const STORE = 0;
const DEFLATE = 8;
const MAX32 = 0xffffffff;
const FILE_MODE = 0o100664;
const DIR_MODE = 0o40775;

/** What the central directory needs of one entry, once it is written. */
interface Written {
  name: Buffer;
  mtime: Date;
  method: number;
  flags: number;
  crc: number;
  compressed: number;
  size: number;
  offset: number;
  mode: number;
  /** The local header announced ZIP64 sizes: the central record says ZIP64 too. */
  zip64: boolean;
}

const MIN_DOS = new Date(1980, 0, 1);
const MAX_DOS = new Date(2107, 11, 31, 23, 59, 58);

/** DOS date and time, in local time like yazl (and every zip tool). */
function dosTime(when: Date): { date: number; time: number } {
  const d = when < MIN_DOS ? MIN_DOS : when > MAX_DOS ? MAX_DOS : when;
  return {
    date: (d.getDate() & 0x1f) | (((d.getMonth() + 1) & 0xf) << 5) | (((d.getFullYear() - 1980) & 0x7f) << 9),
    time: Math.floor(d.getSeconds() / 2) | ((d.getMinutes() & 0x3f) << 5) | ((d.getHours() & 0x1f) << 11),
  };
}

function localHeader(e: Written, zip64: boolean): Buffer {
  const extra = zip64 ? 20 : 0;
  const b = Buffer.alloc(30 + e.name.length + extra);
  const { date, time } = dosTime(e.mtime);
  b.writeUInt32LE(0x04034b50, 0);
  b.writeUInt16LE(zip64 ? NEEDS_ZIP64 : NEEDS, 4);
  b.writeUInt16LE(e.flags, 6);
  b.writeUInt16LE(e.method, 8);
  b.writeUInt16LE(time, 10);
  b.writeUInt16LE(date, 12);
  const known = (e.flags & FLAG_DESCRIPTOR) === 0;
  b.writeUInt32LE(known ? e.crc : 0, 14);
  // With ZIP64 the sizes are in the extra field (zero here: the data descriptor has them).
  b.writeUInt32LE(zip64 ? MAX32 : known ? e.compressed : 0, 18);
  b.writeUInt32LE(zip64 ? MAX32 : known ? e.size : 0, 22);
  b.writeUInt16LE(e.name.length, 26);
  b.writeUInt16LE(extra, 28);
  e.name.copy(b, 30);
  if (zip64) {
    const x = 30 + e.name.length;
    b.writeUInt16LE(0x0001, x);
    b.writeUInt16LE(16, x + 2); // two zero sizes follow
  }
  return b;
}

function dataDescriptor(e: Written, zip64: boolean): Buffer {
  const b = Buffer.alloc(zip64 ? 24 : 16);
  b.writeUInt32LE(0x08074b50, 0);
  b.writeUInt32LE(e.crc, 4);
  if (zip64) {
    b.writeBigUInt64LE(BigInt(e.compressed), 8);
    b.writeBigUInt64LE(BigInt(e.size), 16);
  } else {
    b.writeUInt32LE(e.compressed, 8);
    b.writeUInt32LE(e.size, 12);
  }
  return b;
}

function centralRecord(e: Written): Buffer {
  const zip64 = e.zip64 || e.size >= MAX32 || e.compressed >= MAX32 || e.offset >= MAX32;
  const extra = 9 + (zip64 ? 28 : 0);
  const b = Buffer.alloc(46 + e.name.length + extra);
  const { date, time } = dosTime(e.mtime);
  b.writeUInt32LE(0x02014b50, 0);
  b.writeUInt16LE(MADE_BY, 4);
  b.writeUInt16LE(zip64 ? NEEDS_ZIP64 : NEEDS, 6);
  b.writeUInt16LE(e.flags, 8);
  b.writeUInt16LE(e.method, 10);
  b.writeUInt16LE(time, 12);
  b.writeUInt16LE(date, 14);
  b.writeUInt32LE(e.crc, 16);
  b.writeUInt32LE(zip64 ? MAX32 : e.compressed, 20);
  b.writeUInt32LE(zip64 ? MAX32 : e.size, 24);
  b.writeUInt16LE(e.name.length, 28);
  b.writeUInt16LE(extra, 30);
  // comment length, disk number, internal attributes: 0
  b.writeUInt32LE((e.mode << 16) >>> 0, 38);
  b.writeUInt32LE(zip64 ? MAX32 : e.offset, 42);
  e.name.copy(b, 46);
  let x = 46 + e.name.length;
  // Info-ZIP extended timestamp ("UT"): the mtime in UTC, which the DOS fields cannot say.
  b.writeUInt16LE(0x5455, x);
  b.writeUInt16LE(5, x + 2);
  b.writeUInt8(3, x + 4); // mtime (and atime, as Info-ZIP sets it; never present in the central directory)
  b.writeInt32LE(Math.max(-0x80000000, Math.min(0x7fffffff, Math.floor(e.mtime.getTime() / 1000))), x + 5);
  x += 9;
  if (zip64) {
    b.writeUInt16LE(0x0001, x);
    b.writeUInt16LE(24, x + 2);
    b.writeBigUInt64LE(BigInt(e.size), x + 4);
    b.writeBigUInt64LE(BigInt(e.compressed), x + 12);
    b.writeBigUInt64LE(BigInt(e.offset), x + 20);
  }
  return b;
}

function endRecords(count: number, start: number, size: number): Buffer {
  const zip64 = count >= 0xffff || start >= MAX32 || size >= MAX32;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Math.min(count, 0xffff), 8);
  end.writeUInt16LE(Math.min(count, 0xffff), 10);
  end.writeUInt32LE(Math.min(size, MAX32), 12);
  end.writeUInt32LE(Math.min(start, MAX32), 16);
  if (!zip64) return end;
  const record = Buffer.alloc(56);
  record.writeUInt32LE(0x06064b50, 0);
  record.writeBigUInt64LE(44n, 4);
  record.writeUInt16LE(MADE_BY, 12);
  record.writeUInt16LE(NEEDS_ZIP64, 14);
  record.writeBigUInt64LE(BigInt(count), 24);
  record.writeBigUInt64LE(BigInt(count), 32);
  record.writeBigUInt64LE(BigInt(size), 40);
  record.writeBigUInt64LE(BigInt(start), 48);
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(0x07064b50, 0);
  locator.writeBigUInt64LE(BigInt(start + size), 8);
  locator.writeUInt32LE(1, 16); // total number of disks
  return Buffer.concat([record, locator, end]);
}

/**
 * One file entry's data, taken like a ServerResponse takes a download (TAKES_CHUNKS): a back end's
 * read buffer goes to the sink as it is (stored) or into deflate, and is released once written.
 * Plain Readables pipe into it too (then `write` comes without a release).
 */
class EntryData extends EventEmitter {
  readonly [TAKES_CHUNKS] = true;
  crc = 0;
  size = 0;
  compressed = 0;
  private ended = false;
  private readonly deflate?: zlib.DeflateRaw;
  readonly done: Promise<void>;
  private settle!: (err?: Error) => void;

  constructor(
    private readonly sink: ZipSink,
    private readonly crc32: Crc32,
    compress: boolean,
  ) {
    super();
    this.done = new Promise<void>((resolve, reject) => {
      this.settle = (err) => (err ? reject(err) : resolve());
    });
    if (!compress) return;
    const deflate = (this.deflate = zlib.createDeflateRaw());
    deflate.on('drain', () => this.emit('drain'));
    deflate.on('data', (out: Buffer) => {
      this.compressed += out.length;
      if (!this.sink.write(out)) {
        deflate.pause();
        void this.sink.drained().then(() => deflate.resume());
      }
    });
    deflate.on('end', () => this.settle());
    deflate.on('error', (err) => this.settle(err));
  }

  /** Reads `source` to its end; rejects when it fails or closes early. */
  take(source: Readable): Promise<void> {
    source.once('error', (err) => this.settle(err));
    source.once('close', () => {
      if (!this.ended) this.settle(new Error('the file stream closed before its end'));
    });
    source.pipe(this as unknown as Writable);
    return this.done;
  }

  write(chunk: Buffer, release?: () => void): boolean {
    this.crc = this.crc32(chunk, this.crc);
    this.size += chunk.length;
    if (this.deflate) return this.deflate.write(chunk, release);
    this.compressed += chunk.length;
    const ok = this.sink.write(chunk, release);
    if (!ok) void this.sink.drained().then(() => this.emit('drain'));
    return ok;
  }

  /** After a failure: no more deflate output, its memory freed now. */
  dispose(): void {
    this.deflate?.destroy();
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.deflate) this.deflate.end();
    else this.settle();
  }
}

/** An entry's records before its data: sizes as announced (a file's are checked when it is read). */
function entryRecord(item: ZipItem, offset: number, crc32: Crc32 | undefined): Written {
  const directory = item.kind === 'directory';
  const e: Written = {
    name: Buffer.from(zipName(item.name, directory)),
    mtime: item.mtime,
    method: item.kind === 'file' && item.compress ? DEFLATE : STORE,
    flags: FLAGS_UTF8 | (item.kind === 'file' ? FLAG_DESCRIPTOR : 0),
    crc: 0,
    compressed: 0,
    size: 0,
    offset,
    mode: directory ? DIR_MODE : FILE_MODE,
    // Decided before the data: deflate may make incompressible data a little larger.
    zip64: item.kind === 'file' && item.size + (item.compress ? Math.ceil(item.size / 16_000) * 5 + 1024 : 0) >= MAX32,
  };
  if (item.kind === 'buffer') {
    e.crc = crc32 ? crc32(item.data, 0) : 0;
    e.size = e.compressed = item.data.length;
  } else if (item.kind === 'file') e.size = e.compressed = item.size;
  return e;
}

/**
 * The archive's length in bytes, known before a byte is written when no entry is deflated (sent
 * as Content-Length: clients show progress, and no chunked framing is written around each chunk).
 */
export function zipLength(items: readonly ZipItem[]): number | undefined {
  if (items.some((i) => i.kind === 'file' && i.compress)) return undefined;
  let offset = 0;
  const written = items.map((item) => {
    const e = entryRecord(item, offset, undefined);
    offset += localHeader(e, e.zip64).length + e.compressed + (item.kind === 'file' ? dataDescriptor(e, e.zip64).length : 0);
    return e;
  });
  const start = offset;
  for (const e of written) offset += centralRecord(e).length;
  return offset + endRecords(written.length, start, offset - start).length;
}

/**
 * Write `items` as one zip into `sink`, in order, each file opened only when its turn comes.
 * `gone()` true (the client left) stops it between writes. A file whose size differs from the
 * one announced, or that fails midway, rejects: the caller cuts the response.
 */
export async function writeZip(items: readonly ZipItem[], sink: ZipSink, gone: () => boolean, opened?: (source: Readable) => void): Promise<void> {
  const crc32 = await loadCrc32();
  const written: Written[] = [];
  let offset = 0;
  const put = async (chunk: Buffer) => {
    offset += chunk.length;
    if (!sink.write(chunk)) await sink.drained();
    if (gone()) throw new Error('the client went away');
  };
  for (const item of items) {
    const e = entryRecord(item, offset, crc32);
    written.push(e);
    if (item.kind !== 'file') {
      await put(localHeader(e, false));
      if (item.kind === 'buffer') await put(item.data);
      continue;
    }
    const source = await item.open();
    opened?.(source);
    if (gone()) {
      source.destroy();
      throw new Error('the client went away');
    }
    await put(localHeader(e, e.zip64));
    const data = new EntryData(sink, crc32, item.compress);
    try {
      await data.take(source);
    } catch (err) {
      data.dispose();
      throw err;
    } finally {
      source.destroy();
    }
    if (data.size !== item.size) throw new Error(`${item.name}: ${data.size} bytes where ${item.size} were announced`);
    if (!e.zip64 && data.compressed >= MAX32) throw new Error(`${item.name}: compressed past 4 GiB without ZIP64`);
    e.crc = data.crc >>> 0;
    e.size = data.size;
    e.compressed = data.compressed;
    offset += data.compressed;
    await put(dataDescriptor(e, e.zip64));
  }
  const start = offset;
  for (const e of written) await put(centralRecord(e));
  await put(endRecords(written.length, start, offset - start));
}

/**
 * The zip as the reply's body. Piped into the response (what reply.send does), the archive is
 * written straight into it, a stored entry's chunks as the back end read them (no copy). Read
 * by anything else, it pushes copies of them.
 */
export class ZipBody extends Readable {
  private started = false;
  private wake: (() => void) | undefined;
  /** The entry being read: destroyed when the client leaves, which frees its FTP session. */
  private current: Readable | undefined;

  constructor(
    private readonly items: ZipItem[],
    private readonly onError: (err: Error) => void,
  ) {
    super({ highWaterMark: 256 * 1024 });
  }

  private run(sink: ZipSink, end: () => void): void {
    this.started = true;
    writeZip(this.items, sink, () => this.destroyed, (source) => (this.current = source)).then(end, (err: Error) => {
      if (this.destroyed) return;
      this.onError(err);
      // A failure midway cannot become a problem body any more: cut the response instead.
      this.destroy(err);
    });
  }

  override pipe<T extends NodeJS.WritableStream>(dest: T, options?: { end?: boolean }): T {
    if (this.started || !(dest instanceof ServerResponse) || options?.end === false) return super.pipe(dest, options);
    const res: ServerResponse = dest;
    const drained = () =>
      new Promise<void>((resolve) => {
        if (!res.writableNeedDrain || res.destroyed) return resolve();
        const done = () => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      });
    // Like Readable.pipe, start on the next tick: the caller finishes its setup first.
    process.nextTick(() => {
      if (this.destroyed) return;
      this.run({ write: (chunk, release) => res.write(chunk, release), drained }, () => {
        res.end();
        // The Readable side ends too, so that `readableEnded` and 'end' tell the truth.
        this.push(null);
        this.resume();
      });
    });
    return dest;
  }

  override _read(): void {
    if (this.started) {
      const wake = this.wake;
      this.wake = undefined;
      wake?.();
      return;
    }
    const sink: ZipSink = {
      // A released chunk's memory is reused by its owner: push a copy.
      write: (chunk, release) => {
        const ok = this.push(release ? Buffer.from(chunk) : chunk);
        release?.();
        return ok;
      },
      drained: () => new Promise<void>((resolve) => (this.wake = resolve)),
    };
    this.run(sink, () => this.push(null));
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.current?.destroy();
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
    callback(err);
  }
}
