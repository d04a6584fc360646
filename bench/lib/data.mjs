// The benchmark's own data, written straight into vsftpd's root (and one upload source
// outside it). Random bytes, so that nothing on the way can compress or skip them.
import { randomBytes } from 'node:crypto';
import { chownSync, closeSync, mkdirSync, openSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { MiB } from './util.mjs';

const block = randomBytes(MiB);

function writeFile(path, size, seed = 0) {
  const fd = openSync(path, 'w', 0o644);
  try {
    // A different first block per file, the same (random) bytes after it.
    const first = Buffer.from(block);
    first.writeUInt32BE(seed >>> 0, 0);
    let left = size;
    let chunk = first;
    while (left > 0) {
      const n = Math.min(left, chunk.length);
      writeSync(fd, chunk, 0, n);
      left -= n;
      chunk = block;
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Files: big.bin (the large download), mid.bin (a smaller one to show that memory does not
 * grow with size), small/s00..s19.txt, many/ (a folder of `manyCount` files), par/p00.. (the
 * parallel downloads); and outside the FTP root, upload.bin.
 */
export function createData(root, outside, sizes, owner) {
  const t0 = Date.now();
  writeFile(join(root, 'big.bin'), sizes.big, 1);
  writeFile(join(root, 'mid.bin'), sizes.mid, 2);
  mkdirSync(join(root, 'small'), { recursive: true });
  for (let i = 0; i < 20; i++) writeFile(join(root, 'small', `s${String(i).padStart(2, '0')}.txt`), sizes.small, 100 + i);
  mkdirSync(join(root, 'many'), { recursive: true });
  for (let i = 0; i < sizes.manyCount; i++) writeFile(join(root, 'many', `file-${String(i).padStart(5, '0')}.dat`), 100 + (i % 900), 1000 + i);
  mkdirSync(join(root, 'par'), { recursive: true });
  for (let i = 0; i < sizes.parCount; i++) writeFile(join(root, 'par', `p${String(i).padStart(2, '0')}.bin`), sizes.par, 5000 + i);
  const upload = join(outside, 'upload.bin');
  writeFile(upload, sizes.upload, 3);
  // The FTP user uploads into the root; folders stay readable by it.
  if (owner) for (const d of ['small', 'many', 'par']) chownSync(join(root, d), owner.uid, owner.gid);
  return { upload, ms: Date.now() - t0, bigSize: statSync(join(root, 'big.bin')).size };
}
