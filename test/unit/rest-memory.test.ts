// The REST front over a memory:// site: the whole gateway (routes, core) with the in-memory back
// end chosen by the site URL's scheme, no FTP server anywhere. The main rows of the REST
// contract (test/contract/rest.test.ts, on real FTP servers) hold here too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSiteUrl } from '../../src/config/site-url.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { bytes, enc, sha256 } from '../helpers/http.js';

let gw: TestGateway;
const big = bytes(3 * 1024 * 1024 + 123, 7);
const api = (action: string, path = '', site = 'mem') => `${gw.base}/api/v1/sites/${site}/${action}/${enc(path)}`;
const post = (action: 'move' | 'copy', body: object) =>
  fetch(`${gw.base}/api/v1/sites/mem/${action}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const get = async (path: string, site = 'mem') => {
  const res = await fetch(api('files', path, site));
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
};
const names = async (path = '') => ((await (await fetch(api('list', path))).json()) as { entries: { name: string }[] }).entries.map((e) => e.name).sort();

beforeAll(async () => {
  gw = await startGateway({ mem: 'memory://u:p@scratch/', other: 'memory://u:p@other/', ro: 'memory://u:p@x/?readOnly=true' }, { uploadLimitBytes: 8 * 1024 * 1024 });
  for (const [path, body] of [['big.bin', big], ['hello.txt', 'hello world\n'], ['m1.txt', 'one'], ['m2.txt', 'two']] as const) {
    expect((await fetch(api('files', path), { method: 'PUT', body })).status).toBe(201);
  }
  expect((await fetch(api('mkdir', 'docs/nested'), { method: 'POST' })).status).toBe(201);
  expect((await fetch(api('files', 'docs/nested/deep.txt'), { method: 'PUT', body: 'deep' })).status).toBe(201);
});

afterAll(async () => {
  await gw?.close();
});

describe('REST over a memory:// site', () => {
  it('picks the in-memory back end from the URL scheme', () => {
    expect(parseSiteUrl('m', 'memory://u:p@scratch/')).toMatchObject({ backend: 'memory', host: 'scratch', credentials: 'fixed' });
    expect(parseSiteUrl('f', 'ftp://u:p@h/')).not.toHaveProperty('backend');
    expect(gw.fs.capabilities('mem')).toMatchObject({ append: true });
  });

  it('uploads, lists and downloads byte for byte, with ranges', async () => {
    expect(await names()).toEqual(['big.bin', 'docs', 'hello.txt', 'm1.txt', 'm2.txt']);
    const whole = await get('big.bin');
    expect(whole.status).toBe(200);
    expect(sha256(whole.body)).toBe(sha256(big));
    const range = await fetch(api('files', 'big.bin'), { headers: { range: 'bytes=100-1099' } });
    expect(range.status).toBe(206);
    expect(Buffer.from(await range.arrayBuffer()).equals(big.subarray(100, 1100))).toBe(true);
    expect((await fetch(api('files', 'nothing.txt'))).status).toBe(404);
  });

  it('replaces a file on a second PUT, and If-None-Match: * keeps it', async () => {
    expect((await fetch(api('files', 'put.txt'), { method: 'PUT', body: 'first' })).status).toBe(201);
    expect((await fetch(api('files', 'put.txt'), { method: 'PUT', body: 'second' })).status).toBe(204);
    expect((await fetch(api('files', 'put.txt'), { method: 'PUT', body: 'third', headers: { 'if-none-match': '*' } })).status).toBe(412);
    expect((await get('put.txt')).body.toString()).toBe('second');
  });

  it('moves and copies, refusing an overwrite unless asked and a target inside the source', async () => {
    expect((await post('move', { from: '/m1.txt', to: '/docs/m1 moved.txt' })).status).toBe(200);
    expect((await get('m1.txt')).status).toBe(404);
    expect((await post('move', { from: '/docs/m1 moved.txt', to: '/m2.txt' })).status).toBe(412);
    expect((await get('m2.txt')).body.toString()).toBe('two');
    expect((await post('move', { from: '/docs/m1 moved.txt', to: '/m2.txt', overwrite: true })).status).toBe(200);
    expect((await get('m2.txt')).body.toString()).toBe('one');
    expect((await post('move', { from: '/docs', to: '/docs/nested/docs' })).status).toBe(409);
    expect((await post('copy', { from: '/docs', to: '/docs-copy' })).status).toBe(200);
    expect((await get('docs-copy/nested/deep.txt')).body.toString()).toBe('deep');
    expect((await post('copy', { from: '/big.bin', to: '/from-mem.bin', toSite: 'other' })).status).toBe(200);
    expect(sha256((await get('from-mem.bin', 'other')).body)).toBe(sha256(big));
    expect((await post('copy', { from: '/hello.txt', to: '/x', toSite: 'ro' })).status).toBe(403);
  });

  it('deletes a tree only with recursive=true, and refuses reserved names', async () => {
    expect((await fetch(api('files', 'docs-copy'), { method: 'DELETE' })).status).toBe(409);
    expect((await fetch(api('files', 'docs-copy') + '?recursive=true', { method: 'DELETE' })).status).toBe(204);
    expect(await names()).not.toContain('docs-copy');
    expect((await fetch(api('files', '.ftpgate-upload-0123456789abcdef'), { method: 'PUT', body: 'x' })).status).toBe(400);
    expect(await names()).not.toContain('.ftpgate-upload-0123456789abcdef');
  });
});
