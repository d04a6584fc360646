// Read buffers for plain data connections (net.Socket `onread`): a socket reads straight into
// one of these, the chunk is written to the HTTP response and the buffer comes back here in
// the write callback. A few are kept for the next reads; under load, more are made and the
// surplus is left to the garbage collector.
const DATA_BUFFER_SIZE = 256 * 1024;
const KEEP = 16;
const free: Buffer[] = [];

export function takeBuffer(): Buffer {
  return free.pop() ?? Buffer.allocUnsafeSlow(DATA_BUFFER_SIZE);
}

export function giveBuffer(buf: Buffer): void {
  if (free.length < KEEP) free.push(buf);
}
