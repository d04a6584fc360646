// The zip writer (src/http/zip-writer.ts) on its own: archives that unzip and Python read back
// exactly (stored, deflated, empty, folders, UTF-8 names), ZIP64 records past 4 GiB with the length
// announced before the first byte, a download's pooled chunks taken as they are (no copy) and
// released once written (copied when the body is read as a plain stream), back-pressure from a
// slow sink, and a short or failing file cut.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TransferStream } from '../../src/ftp/transfer-stream.js';
import { writeZip, ZipBody, zipLength, zipName, type ZipItem, type ZipSink } from '../../src/http/zip-writer.js';

const haveTools = spawnSync('unzip', ['-v']).status === 0 && spawnSync('python3', ['-V']).status === 0;
const mtime = new Date(2024, 5, 1, 12, 30, 10);
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A sink that keeps everything and never pushes back. */
function collector(): ZipSink & { bytes(): Buffer } {
  const chunks: Buffer[] = [];
  return {
    write(chunk, release) {
      chunks.push(Buffer.from(chunk));
      release?.();
      return true;
    },
    drained: () => Promise.resolve(),
    bytes: () => Buffer.concat(chunks),
  };
}

function file(name: string, data: Buffer, compress: boolean): ZipItem {
  return { kind: 'file', name, mtime, size: data.length, compress, open: async () => Readable.from([data.subarray(0, 1000), data.subarray(1000)]) };
}

function random(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) b[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  return b;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ftpgate-zipw-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!haveTools)('zip writer archives', () => {
  it('writes stored, deflated, empty and folder entries with UTF-8 names that unzip and Python read back', async () => {
    const data = { 'a.txt': Buffer.from('hello zip\n'.repeat(500)), 'ünï/日本 語.bin': random(300_000, 1), 'photo.jpg': random(70_000, 2), 'empty.txt': Buffer.alloc(0) };
    const items: ZipItem[] = [
      file('a.txt', data['a.txt'], true),
      { kind: 'directory', name: 'ünï', mtime },
      file('ünï/日本 語.bin', data['ünï/日本 語.bin'], true),
      file('photo.jpg', data['photo.jpg'], false),
      file('empty.txt', data['empty.txt'], true),
      { kind: 'directory', name: 'empty', mtime },
      { kind: 'buffer', name: 'note.txt', mtime, data: Buffer.from('a note\n') },
    ];
    const sink = collector();
    await writeZip(items, sink, () => false);
    const path = join(dir, 'mixed.zip');
    await writeFile(path, sink.bytes());
    expect(execFileSync('unzip', ['-t', path], { encoding: 'utf8' })).toContain('No errors detected');
    const script = `
import hashlib, json, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    print(json.dumps({i.filename: [i.compress_type, 'dir' if i.is_dir() else hashlib.sha256(z.read(i)).hexdigest(), list(i.date_time)] for i in z.infolist()}))`;
    const read = JSON.parse(execFileSync('python3', ['-c', script, path], { encoding: 'utf8' })) as Record<string, [number, string, number[]]>;
    expect(Object.keys(read)).toEqual(['a.txt', 'ünï/', 'ünï/日本 語.bin', 'photo.jpg', 'empty.txt', 'empty/', 'note.txt']);
    for (const [name, bytes] of Object.entries(data)) expect(read[name]![1], name).toBe(sha256(bytes));
    expect(read['a.txt']![0]).toBe(8); // deflated
    expect(read['photo.jpg']![0]).toBe(0); // stored
    expect(read['note.txt']![1]).toBe(sha256(Buffer.from('a note\n')));
    expect(read['photo.jpg']![2]).toEqual([2024, 6, 1, 12, 30, 10]);
    // Deflated entries: the length cannot be known before.
    expect(zipLength(items)).toBeUndefined();
  });

  it('announces the exact length of a stored archive, ZIP64 records past 4 GiB included', { timeout: 180_000 }, async () => {
    const huge = 4 * 1024 ** 3 + 12_345;
    const zeros = Buffer.alloc(1024 * 1024);
    /** 4 GiB of zeros from one buffer; the archive goes to a sparse file, its zero chunks left as holes. */
    const hugeSource = () =>
      Readable.from(
        (function* () {
          for (let left = huge; left > 0; left -= zeros.length) yield left >= zeros.length ? zeros : zeros.subarray(0, left);
        })(),
      );
    const items: ZipItem[] = [
      file('small.mp4', random(5000, 3), false),
      { kind: 'file', name: 'huge.mp4', mtime, size: huge, compress: false, open: async () => hugeSource() },
      { kind: 'directory', name: 'after', mtime },
      file('after/last.jpg', random(3000, 4), false),
    ];
    const path = join(dir, 'zip64.zip');
    const fd = openSync(path, 'w');
    let at = 0;
    const sink: ZipSink = {
      write(chunk, release) {
        if (chunk.buffer !== zeros.buffer) writeSync(fd, chunk, 0, chunk.length, at);
        at += chunk.length;
        release?.();
        return true;
      },
      drained: () => Promise.resolve(),
    };
    try {
      await writeZip(items, sink, () => false);
    } finally {
      closeSync(fd);
    }
    expect(at).toBe(zipLength(items));
    const script = `
import json, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    with z.open('huge.mp4') as f:
        while f.read(1 << 22): pass
    print(json.dumps({i.filename: [i.file_size, z.read(i).hex()[:16] if i.file_size < 10000 else ''] for i in z.infolist()}))`;
    const read = JSON.parse(execFileSync('python3', ['-c', script, path], { encoding: 'utf8' })) as Record<string, [number, string]>;
    expect(read).toEqual({
      'small.mp4': [5000, random(5000, 3).subarray(0, 8).toString('hex')],
      'huge.mp4': [huge, ''],
      'after/': [0, ''],
      'after/last.jpg': [3000, random(3000, 4).subarray(0, 8).toString('hex')],
    });
  });
});

describe('zip writer streaming', () => {
  it("takes a download's pooled chunks as they are and releases each once the sink wrote it", async () => {
    const download = new TransferStream();
    const offered = [Buffer.alloc(1000, 1), Buffer.alloc(2000, 2), Buffer.alloc(500, 3)];
    const released: number[] = [];
    const seen: Buffer[] = [];
    const pending: (() => void)[] = [];
    const sink: ZipSink = {
      write(chunk, release) {
        seen.push(chunk);
        if (release) pending.push(release);
        return true;
      },
      drained: () => Promise.resolve(),
    };
    const done = writeZip([{ kind: 'file', name: 'x.jpg', mtime, size: 3500, compress: false, open: async () => download }], sink, () => false);
    await new Promise((r) => setTimeout(r, 10));
    offered.forEach((chunk, i) => download.offer(chunk, () => released.push(i), () => {}));
    download.finish();
    await done;
    // The very buffers offered, not copies; none released before the sink's callback.
    expect(offered.every((chunk) => seen.includes(chunk))).toBe(true);
    expect(released).toEqual([]);
    for (const release of pending) release();
    expect(released).toEqual([0, 1, 2]);
  });

  it('read as a plain stream (not piped into a response), pushes copies of pooled chunks', async () => {
    const download = new TransferStream();
    const pooled = Buffer.alloc(4000, 7);
    const body = new ZipBody([{ kind: 'file', name: 'p.jpg', mtime, size: 4000, compress: false, open: async () => download }], () => {});
    const chunks: Buffer[] = [];
    const read = (async () => {
      for await (const chunk of body) chunks.push(chunk as Buffer);
    })();
    await new Promise((r) => setTimeout(r, 10));
    // The pool reuses the buffer as soon as it is released: the archive must not change with it.
    download.offer(pooled, () => pooled.fill(0xff), () => {});
    download.finish();
    await read;
    const path = join(dir, 'copied.zip');
    await writeFile(path, Buffer.concat(chunks));
    expect(Buffer.concat(chunks).length).toBe(zipLength([{ kind: 'file', name: 'p.jpg', mtime, size: 4000, compress: false, open: async () => download }]));
    if (haveTools) expect(execFileSync('unzip', ['-p', path, 'p.jpg']).equals(Buffer.alloc(4000, 7))).toBe(true);
  });

  it('keeps back-pressure: a slow sink holds the file back instead of buffering it', async () => {
    const size = 32 * 1024 * 1024;
    let produced = 0;
    let written = 0;
    let ahead = 0;
    const source = new Readable({
      read() {
        const n = Math.min(64 * 1024, size - produced);
        produced += n;
        this.push(n > 0 ? Buffer.alloc(n) : null);
      },
    });
    const sink: ZipSink = {
      write(chunk, release) {
        written += chunk.length;
        ahead = Math.max(ahead, produced - written);
        release?.();
        return false; // always full: wait for drained()
      },
      drained: () => new Promise((r) => setTimeout(r, 0)),
    };
    await writeZip([{ kind: 'file', name: 'slow.mp4', mtime, size, compress: false, open: async () => source }], sink, () => false);
    expect(written).toBeGreaterThan(size);
    expect(ahead).toBeLessThan(1024 * 1024);
  });

  it('rejects a file shorter than announced, and one that fails midway', async () => {
    const short = writeZip([{ kind: 'file', name: 'a.bin', mtime, size: 10, compress: false, open: async () => Readable.from([Buffer.alloc(5)]) }], collector(), () => false);
    await expect(short).rejects.toThrow('5 bytes where 10 were announced');
    const failing = new Readable({ read() {} });
    const broken = writeZip([{ kind: 'file', name: 'b.bin', mtime, size: 10, compress: true, open: async () => failing }], collector(), () => false);
    setTimeout(() => failing.destroy(new Error('connection reset')), 10);
    await expect(broken).rejects.toThrow('connection reset');
  });

  it('stops between writes once the client is gone, and closes the open file', async () => {
    let gone = false;
    const source = new Readable({ read() {} });
    const sink: ZipSink = {
      write: () => false,
      drained: () => new Promise((r) => setTimeout(r, 5)),
    };
    const run = writeZip([{ kind: 'file', name: 'c.bin', mtime, size: 1e6, compress: false, open: async () => source }], sink, () => gone);
    source.push(Buffer.alloc(1000));
    gone = true;
    source.destroy(); // what send-zip.ts does when the response closes
    await expect(run).rejects.toThrow();
    expect(source.destroyed).toBe(true);
  });

  it('refuses the names a zip cannot hold', () => {
    expect(() => zipName('C:/x', false)).toThrow('absolute path');
    expect(() => zipName('/x', false)).toThrow('absolute path');
    expect(() => zipName('a/../b', false)).toThrow('invalid relative path');
    expect(() => zipName('', false)).toThrow('empty');
    expect(zipName('a\\b', false)).toBe('a/b');
    expect(zipName('dir', true)).toBe('dir/');
  });
});
