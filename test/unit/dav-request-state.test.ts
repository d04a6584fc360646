// What one WebDAV request asks the back end to learn about its target (src/webdav/request-state.ts),
// over the in-memory back end with the listing cache on: a file whose folder listing is cached is
// described from that listing, with no listing of the file itself (on FTP, a LIST of a file costs a
// data connection and a round trip, and then the parent is asked anyway).
import { beforeEach, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/schema.js';
import { parseSiteUrl } from '../../src/config/site-url.js';
import { MemoryBackend } from '../../src/core/memory-backend.js';
import { RemotePath } from '../../src/core/paths.js';
import { RemoteFs } from '../../src/core/remote-fs.js';
import { RequestState } from '../../src/webdav/request-state.js';

const quiet = { debug: () => {}, warn: () => {} };
const p = (plain: string) => RemotePath.fromPlain(plain);

let backend: MemoryBackend;
let fs: RemoteFs;
let calls: string[];
/** A new request's state, as the WebDAV front makes one per request. */
const request = () => new RequestState(fs, () => undefined);

beforeEach(() => {
  backend = new MemoryBackend();
  const sites = validateConfig({ listen: { host: '127.0.0.1', port: 0 }, sites: [parseSiteUrl('m', 'ftp://u:p@127.0.0.1/?listingCacheTtl=60000')] }).sites;
  fs = new RemoteFs(sites, quiet, () => backend);
  backend.put('/d/f.txt', 'one');
  calls = [];
  backend.inject = (op, path) => void calls.push(`${op} ${path}`);
});

describe('WebDAV request state', () => {
  it('describes a file of a cached folder listing without asking the back end again', async () => {
    expect((await request().describe('m', p('/d/f.txt')))?.size).toBe(3);
    // The first request learns what the path is (a listing of the path, then of its folder) and its time.
    expect(calls).toEqual(['list /d/f.txt', 'list /d', 'modifiedTime /d/f.txt']);
    calls.length = 0;
    for (let i = 0; i < 3; i++) {
      const entry = await request().describe('m', p('/d/f.txt'));
      expect(entry).toMatchObject({ name: 'f.txt', type: 'file', size: 3 });
    }
    expect(calls).toEqual([]);
  });

  it('still lists a folder target itself, and a name its cached folder listing does not hold', async () => {
    backend.put('/d/sub/g.txt', 'g');
    await request().describe('m', p('/d/f.txt')); // caches the listing of /d
    calls.length = 0;
    expect(await request().find('m', p('/d/sub'))).toEqual({ name: 'sub', type: 'directory', size: 0 });
    expect(calls).toEqual(['list /d/sub']); // the listing a PROPFIND of it needs next
    backend.put('/d/new.txt', 'new'); // not through the gateway: the cached listing does not know it
    calls.length = 0;
    expect(await request().find('m', p('/d/new.txt'))).toBeUndefined(); // as the cached listing says, after asking
    expect(calls).toEqual(['list /d/new.txt']);
  });
});
