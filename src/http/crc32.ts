// CRC-32 (the zip one) of a chunk, continuing from a previous value. A stored zip entry costs
// the gateway little more than its CRC: @node-rs/crc32 (carry-less multiply, SIMD) computes it
// at about 8 GB/s on the bench machine, zlib.crc32 (Node >= 20.15, tables) at about 3 GB/s and
// less on data fresh from a socket. Loaded at the first zip, not at start; where its native
// build is missing, zlib's, and before Node 20.15 a table in JavaScript.
import zlib from 'node:zlib';

export type Crc32 = (data: Buffer, previous: number) => number;

function tableCrc32(): Crc32 {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return (data, previous) => {
    let c = ~previous;
    for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
    return ~c >>> 0;
  };
}

let loading: Promise<Crc32> | undefined;

export function loadCrc32(): Promise<Crc32> {
  loading ??= import('@node-rs/crc32').then(
    ({ crc32 }) => (data: Buffer, previous: number) => crc32(data, previous),
    () => (zlib as { crc32?: Crc32 }).crc32 ?? tableCrc32(),
  );
  return loading;
}
