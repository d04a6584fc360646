// A back end that keeps a site in memory: the proof that the core needs nothing of FTP, and a
// test bed for the core (tests/unit run RemoteFs on it with no server). It holds the stored
// bytes themselves and nothing more: a store collects its chunks, a read streams slices of them.
// `inject` lets a test make any operation fail (a rename refused half-way through a replace, a
// server gone during a delete), and `refuseRenameOver` makes it behave like IIS's FTP server.
import { Readable } from 'node:stream';
import { RenameOverRefused, type Backend, type BackendCapabilities, type BackendStats, type Call, type RemoteReadable } from './backend.js';
import { GatewayError } from './errors.js';
import type { ByteRange, ListedEntry } from './types.js';

export type MemoryOp = 'list' | 'modifiedTime' | 'size' | 'read' | 'store' | 'append' | 'rename' | 'mkdir' | 'removeFile' | 'removeFolder' | 'probe' | 'login';

interface Node {
  type: 'file' | 'directory';
  modified: Date;
  /** A file's bytes, in the chunks they came in. */
  chunks: Buffer[];
  size: number;
}

const READ_CHUNK = 64 * 1024;

function parentOf(path: string): string {
  const at = path.lastIndexOf('/');
  return at <= 0 ? '/' : path.slice(0, at);
}

const nameOf = (path: string) => path.slice(path.lastIndexOf('/') + 1);
const inside = (path: string, folder: string) => (folder === '/' ? path !== '/' : path.startsWith(folder + '/'));

class MemoryReadable extends Readable implements RemoteReadable {
  bytes = 0;
  private index = 0;
  private offset: number;

  constructor(
    private readonly chunks: readonly Buffer[],
    start: number,
    private remaining: number,
  ) {
    super({ highWaterMark: READ_CHUNK });
    this.offset = start;
  }

  override _read(): void {
    // Skip to the chunk holding `offset`, then hand out slices (views, no copies).
    while (this.index < this.chunks.length && this.offset >= this.chunks[this.index]!.length) {
      this.offset -= this.chunks[this.index]!.length;
      this.index++;
    }
    const chunk = this.chunks[this.index];
    if (!chunk || this.remaining <= 0) {
      this.push(null);
      return;
    }
    const slice = chunk.subarray(this.offset, this.offset + Math.min(READ_CHUNK, this.remaining));
    this.offset += slice.length;
    this.remaining -= slice.length;
    this.bytes += slice.length;
    this.push(slice);
  }
}

export class MemoryBackend implements Backend {
  readonly capabilities: BackendCapabilities;
  private readonly nodes = new Map<string, Node>([['/', { type: 'directory', modified: new Date(), chunks: [], size: 0 }]]);
  /** Called before every operation with its paths; throw to make it fail. */
  inject?: (op: MemoryOp, path: string, to?: string) => void;
  /** Refuse to rename over an existing file, as IIS's FTP server does. */
  refuseRenameOver = false;
  /** Reads open now (for tests that check nothing is left open). */
  private reading = 0;
  private closed = false;

  constructor(options: { append?: boolean; logins?: ReadonlyMap<string, string> } = {}) {
    this.capabilities = { append: options.append ?? true, preciseTimes: true, renameOver: 'maybe', backslashInNames: true };
    this.logins = options.logins;
  }

  private readonly logins: ReadonlyMap<string, string> | undefined;

  private check(op: MemoryOp, call: Call | undefined, path: string, to?: string): void {
    if (this.closed) throw new GatewayError('unavailable', 'the back end is closed', { retryAfter: 5 });
    if (call && this.logins && this.logins.get(call.login.user) !== call.login.password) {
      throw new GatewayError('unauthorized', 'login refused');
    }
    this.inject?.(op, path, to);
  }

  private node(path: string): Node | undefined {
    return this.nodes.get(path);
  }

  private folder(path: string): Node {
    const node = this.node(path);
    if (!node) throw new GatewayError('not_found', `${path} does not exist`);
    if (node.type !== 'directory') throw new GatewayError('conflict', `${path} is a file, not a folder`);
    return node;
  }

  private children(path: string): string[] {
    const out: string[] = [];
    for (const key of this.nodes.keys()) if (key !== '/' && parentOf(key) === path) out.push(key);
    return out.sort();
  }

  async list(call: Call, path: string): Promise<ListedEntry[]> {
    this.check('list', call, path);
    this.folder(path);
    return this.children(path).map((key) => {
      const node = this.nodes.get(key)!;
      return { name: nameOf(key), type: node.type, size: node.type === 'file' ? node.size : 0, modified: node.modified };
    });
  }

  async modifiedTime(call: Call, path: string): Promise<Date | undefined> {
    this.check('modifiedTime', call, path);
    const node = this.node(path);
    if (!node) throw new GatewayError('not_found', `${path} does not exist`);
    return node.modified;
  }

  async size(call: Call, path: string): Promise<number | undefined> {
    this.check('size', call, path);
    const node = this.node(path);
    return node?.type === 'file' ? node.size : undefined;
  }

  async read(call: Call, path: string, range: ByteRange = { start: 0 }): Promise<RemoteReadable> {
    this.check('read', call, path);
    const node = this.node(path);
    if (!node) throw new GatewayError('not_found', `${path} does not exist`);
    if (node.type !== 'file') throw new GatewayError('conflict', `${path} is a folder`);
    const end = range.end === undefined ? node.size - 1 : range.end;
    if (end >= node.size) throw new GatewayError('bad_gateway', `${path} is shorter than the range asked for`);
    // The stream keeps the chunks it was opened on: a file replaced meanwhile reads as it was.
    const stream = new MemoryReadable(node.chunks, range.start, Math.max(0, end - range.start + 1));
    this.reading++;
    stream.once('close', () => this.reading--);
    return stream;
  }

  /** Take a stream's chunks into `node` as they come: a failed source leaves what had arrived (as an FTP STOR does). */
  private async take(path: string, source: Readable, node: Node): Promise<number> {
    let bytes = 0;
    for await (const chunk of source) {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
      node.chunks.push(buf);
      node.size += buf.length;
      node.modified = new Date();
      bytes += buf.length;
      if (this.nodes.get(path) !== node) throw new GatewayError('bad_gateway', `${path} was removed during the transfer`);
    }
    return bytes;
  }

  async store(call: Call, path: string, source: Readable): Promise<number> {
    this.check('store', call, path);
    this.folder(parentOf(path));
    if (this.node(path)?.type === 'directory') throw new GatewayError('conflict', `${path} is a folder`);
    const node: Node = { type: 'file', modified: new Date(), chunks: [], size: 0 };
    this.nodes.set(path, node);
    return this.take(path, source, node);
  }

  async append(call: Call, path: string, source: Readable): Promise<number> {
    this.check('append', call, path);
    this.folder(parentOf(path));
    let node = this.node(path);
    if (node?.type === 'directory') throw new GatewayError('conflict', `${path} is a folder`);
    if (!node) this.nodes.set(path, (node = { type: 'file', modified: new Date(), chunks: [], size: 0 }));
    // Appending shares no chunk array with a read opened before.
    node.chunks = [...node.chunks];
    return this.take(path, source, node);
  }

  async rename(call: Call, from: string, to: string): Promise<void> {
    this.check('rename', call, from, to);
    const node = this.node(from);
    if (!node) throw new GatewayError('not_found', `${from} does not exist`);
    this.folder(parentOf(to));
    if (from === to) return;
    if (inside(to, from)) throw new GatewayError('conflict', `cannot rename ${from} into itself`);
    const there = this.node(to);
    if (there) {
      if (this.refuseRenameOver) throw new RenameOverRefused(`${to} exists`);
      if (there.type === 'directory' || node.type === 'directory') throw new GatewayError('conflict', `${to} exists`);
    }
    const moves = [...this.nodes.keys()].filter((key) => key === from || inside(key, from));
    const moved = moves.map((key) => [to + key.slice(from.length), this.nodes.get(key)!] as const);
    for (const key of moves) this.nodes.delete(key);
    for (const [key, n] of moved) this.nodes.set(key, n);
  }

  async mkdir(call: Call, path: string): Promise<void> {
    this.check('mkdir', call, path);
    this.folder(parentOf(path));
    if (this.node(path)) throw new GatewayError('conflict', `${path} exists`);
    this.nodes.set(path, { type: 'directory', modified: new Date(), chunks: [], size: 0 });
  }

  async removeFile(call: Call, path: string): Promise<void> {
    this.check('removeFile', call, path);
    const node = this.node(path);
    if (!node) throw new GatewayError('not_found', `${path} does not exist`);
    if (node.type !== 'file') throw new GatewayError('conflict', `${path} is a folder`);
    this.nodes.delete(path);
  }

  async removeFolder(call: Call, path: string): Promise<void> {
    this.check('removeFolder', call, path);
    this.folder(path);
    if (path === '/') throw new GatewayError('forbidden', 'the root cannot be removed');
    if (this.children(path).length > 0) throw new GatewayError('conflict', `${path} is not empty`);
    this.nodes.delete(path);
  }

  async removeAll(call: Call, items: readonly { path: string; folder: boolean }[]): Promise<void> {
    for (const { path, folder } of items) await (folder ? this.removeFolder(call, path) : this.removeFile(call, path));
  }

  nameProblem(): undefined {
    return undefined;
  }

  async learnNames(): Promise<void> {}

  async probe(): Promise<void> {
    this.check('probe', undefined, '/');
  }

  async verifyLogin(call: Call): Promise<void> {
    this.check('login', call, '/');
  }

  stats(): BackendStats {
    // No connections to pool: reads open now stand for them, and nothing limits them.
    return { open: this.reading, idle: 0, waiting: 0, limit: 0, transfers: this.reading };
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  // ---- for tests: look at and seed the stored tree directly ----

  /** A file's bytes, or undefined. */
  contents(path: string): Buffer | undefined {
    const node = this.node(path);
    return node?.type === 'file' ? Buffer.concat(node.chunks) : undefined;
  }

  /** Every path held, sorted. */
  paths(): string[] {
    return [...this.nodes.keys()].sort();
  }

  /** Create a folder (and its parents) as is, bypassing the checks. */
  putFolder(path: string): void {
    if (this.nodes.has(path)) return;
    this.putFolder(parentOf(path));
    this.nodes.set(path, { type: 'directory', modified: new Date(), chunks: [], size: 0 });
  }

  /** Create a file (and its folders) as is, bypassing the checks. */
  put(path: string, data: string | Buffer): void {
    this.putFolder(parentOf(path));
    const buf = Buffer.from(data);
    this.nodes.set(path, { type: 'file', modified: new Date(), chunks: [buf], size: buf.length });
  }
}
