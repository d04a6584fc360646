// PROPFIND Depth 1 answers are reused while a folder's listing is cached
// (src/webdav/methods/propfind.ts). After each change a client can make (PROPPATCH, LOCK,
// UNLOCK, PUT, DELETE, MOVE, COPY, MKCOL) the next answer must be exactly what a gateway
// answers from a listing it has just fetched: the answer of the warm gateway is compared with
// the one it gives right after its listing cache was refreshed behind its back.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RemotePath } from '../../src/core/paths.js';
import { ftpServers, type FtpFixture } from '../helpers/ftp-servers.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { dav, LOCKINFO } from './dav-helpers.js';

const Z = 'urn:z';
const REQUESTS = {
  allprop: undefined, // no body: allprop
  allpropBody: '<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>',
  named: `<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:getcontentlength/><D:getetag/><D:lockdiscovery/><Z:tag xmlns:Z="${Z}"/></D:prop></D:propfind>`,
  propname: '<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:propname/></D:propfind>',
};
type Answers = Record<keyof typeof REQUESTS, string>;
const setTag = (value: string) =>
  `<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:" xmlns:Z="${Z}"><D:set><D:prop><Z:tag>${value}</Z:tag></D:prop></D:set></D:propertyupdate>`;
const removeTag = `<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:" xmlns:Z="${Z}"><D:remove><D:prop><Z:tag/></D:prop></D:remove></D:propertyupdate>`;

describe.each(ftpServers())('PROPFIND Depth 1 on a warm listing over $name', (factory) => {
  let ftp: FtpFixture;
  let gw: TestGateway;
  let base: string;
  const top = `c-${Date.now().toString(36)}`;
  const parent = `/dav/site/${top}`;
  const dir = `${parent}/folder`;
  const elsewhere = `${parent}/elsewhere`;

  /** Every kind of PROPFIND Depth 1 of the folder; lock timeouts count down, so they are masked. */
  const answers = async (): Promise<Answers> => {
    const out: Partial<Answers> = {};
    for (const [kind, body] of Object.entries(REQUESTS)) {
      const res = await dav(base, 'PROPFIND', dir + '/', { headers: { depth: '1' }, body });
      expect(res.status, kind).toBe(207);
      expect(res.headers.get('content-length'), kind).toBe(String(res.body.length));
      out[kind as keyof Answers] = res.text.replace(/Second-\d+/g, 'Second-N');
    }
    return out as Answers;
  };
  /** The gateway lists the folder again (new listing objects), as after its cache expired. */
  const refresh = async () => {
    await gw.fs.list(gw.fs.access('site'), RemotePath.fromUrl(dir.slice('/dav/site'.length)), true);
  };
  /** The warm answers (each asked twice) are those of a freshly listed folder. */
  const expectCurrent = async (): Promise<Answers> => {
    const warm = await answers();
    const again = await answers();
    await refresh();
    const cold = await answers();
    expect(warm).toEqual(cold);
    expect(again).toEqual(cold);
    return cold;
  };
  const member = (text: string, name: string) => text.split('</D:response>').find((r) => r.includes(`/folder/${name}</D:href>`) || r.includes(`/folder/${name}/</D:href>`));
  const lock = async (path: string, depth: '0' | 'infinity') => {
    const res = await dav(base, 'LOCK', path, { headers: { depth }, body: LOCKINFO('exclusive') });
    expect(res.status).toBe(200);
    return /^<(.+)>$/.exec(res.headers.get('lock-token')!)![1]!;
  };
  const unlock = async (path: string, token: string) => {
    expect((await dav(base, 'UNLOCK', path, { headers: { 'lock-token': `<${token}>` } })).status).toBe(204);
  };

  beforeAll(async () => {
    ftp = await factory.start();
    gw = await startGateway({ site: `${ftp.url}?listingCacheTtl=600000` });
    base = gw.base;
    for (const p of [parent, dir, elsewhere]) expect((await dav(base, 'MKCOL', p)).status).toBe(201);
    for (const name of ['a.txt', 'b.txt', 'c.txt']) expect((await dav(base, 'PUT', `${dir}/${name}`, { body: name })).status).toBe(201);
    expect((await dav(base, 'MKCOL', `${dir}/sub`)).status).toBe(201);
  });
  afterAll(async () => {
    if (gw) {
      await dav(base, 'DELETE', parent);
      await gw.close();
    }
    await ftp?.close();
  });

  it('shows dead properties set and removed since (on a member and on the folder itself)', async () => {
    await expectCurrent();
    expect((await dav(base, 'PROPPATCH', `${dir}/b.txt`, { body: setTag('one') })).status).toBe(207);
    expect(member((await expectCurrent()).named, 'b.txt')).toContain('>one</tag>');
    expect((await dav(base, 'PROPPATCH', `${dir}/b.txt`, { body: setTag('two') })).status).toBe(207);
    expect(member((await expectCurrent()).allprop, 'b.txt')).toContain('>two</tag>');
    expect((await dav(base, 'PROPPATCH', `${dir}/sub`, { body: setTag('on sub') })).status).toBe(207);
    expect(member((await expectCurrent()).propname, 'sub')).toContain(`<tag xmlns="${Z}"/>`);
    expect((await dav(base, 'PROPPATCH', `${dir}/b.txt`, { body: removeTag })).status).toBe(207);
    expect((await dav(base, 'PROPPATCH', `${dir}/sub`, { body: removeTag })).status).toBe(207);
    expect((await expectCurrent()).allprop).not.toContain('</tag>');
    expect((await dav(base, 'PROPPATCH', `${dir}/`, { body: setTag('on the folder') })).status).toBe(207);
    expect((await expectCurrent()).allprop).toContain('>on the folder</tag>');
    expect((await dav(base, 'PROPPATCH', `${dir}/`, { body: removeTag })).status).toBe(207);
    expect((await expectCurrent()).allprop).not.toContain('</tag>');
  });

  it('shows locks taken and released since: on a member, on the folder, on its parent', async () => {
    await expectCurrent();
    for (const [path, depth] of [
      [`${dir}/c.txt`, '0'],
      [`${dir}/`, '0'],
      [`${dir}/`, 'infinity'],
      [`${parent}/`, 'infinity'],
      [`${parent}/`, '0'],
    ] as const) {
      const token = await lock(path, depth);
      const locked = await expectCurrent();
      if (path.endsWith('c.txt') || depth === 'infinity') expect(member(locked.allprop, 'c.txt'), `${path} ${depth}`).toContain(token);
      else expect(locked.allprop, `${path} ${depth}`).toContain(path === `${dir}/` ? token : '<D:lockdiscovery></D:lockdiscovery>');
      await unlock(path, token);
      expect((await expectCurrent()).allprop, `${path} ${depth}`).not.toContain(token);
    }
  });

  it('shows files and folders put, replaced, deleted, moved, copied and made since', async () => {
    await expectCurrent();
    expect((await dav(base, 'PUT', `${dir}/new.txt`, { body: 'new' })).status).toBe(201);
    expect(member((await expectCurrent()).allprop, 'new.txt')).toContain('<D:getcontentlength>3</D:getcontentlength>');
    expect((await dav(base, 'PUT', `${dir}/new.txt`, { body: 'longer content' })).status).toBe(204);
    expect(member((await expectCurrent()).named, 'new.txt')).toContain('<D:getcontentlength>14</D:getcontentlength>');
    // The same size within the same minute: only the write journal's generation tells (the ETag).
    const etag = (text: string) => /<D:getetag>([^<]*)<\/D:getetag>/.exec(member(text, 'new.txt') ?? '')?.[1];
    const before = etag((await expectCurrent()).allprop);
    expect((await dav(base, 'PUT', `${dir}/new.txt`, { body: 'LONGER CONTENT' })).status).toBe(204);
    const after = await expectCurrent();
    expect(etag(after.allprop)).toBeDefined();
    expect(etag(after.allprop)).not.toBe(before);
    expect(etag(after.named)).toBe(etag(after.allprop));
    expect((await dav(base, 'DELETE', `${dir}/new.txt`)).status).toBe(204);
    expect(member((await expectCurrent()).allprop, 'new.txt')).toBeUndefined();
    expect((await dav(base, 'MKCOL', `${dir}/made`)).status).toBe(201);
    expect(member((await expectCurrent()).allprop, 'made')).toContain('<D:collection/>');
    expect((await dav(base, 'MOVE', `${dir}/a.txt`, { headers: { destination: `${base}${dir}/renamed.txt` } })).status).toBe(201);
    let now = await expectCurrent();
    expect(member(now.allprop, 'a.txt')).toBeUndefined();
    expect(member(now.allprop, 'renamed.txt')).toBeDefined();
    expect((await dav(base, 'MOVE', `${dir}/renamed.txt`, { headers: { destination: `${base}${elsewhere}/a.txt` } })).status).toBe(201);
    expect(member((await expectCurrent()).allprop, 'renamed.txt')).toBeUndefined();
    expect((await dav(base, 'MOVE', `${elsewhere}/a.txt`, { headers: { destination: `${base}${dir}/a.txt` } })).status).toBe(201);
    expect(member((await expectCurrent()).allprop, 'a.txt')).toBeDefined();
    expect((await dav(base, 'COPY', `${dir}/b.txt`, { headers: { destination: `${base}${dir}/copy.txt` } })).status).toBe(201);
    now = await expectCurrent();
    expect(member(now.allprop, 'copy.txt')).toContain('<D:getcontentlength>5</D:getcontentlength>');
    expect((await dav(base, 'DELETE', `${dir}/made`)).status).toBe(204);
    expect((await dav(base, 'DELETE', `${dir}/copy.txt`)).status).toBe(204);
    expect(member((await expectCurrent()).allprop, 'made')).toBeUndefined();
  });

  it('shows a file changed behind the gateway once it lists the folder again', async () => {
    await expectCurrent();
    await writeFile(join(ftp.root, top, 'folder', 'direct.txt'), 'direct');
    await refresh();
    expect(member((await expectCurrent()).allprop, 'direct.txt')).toContain('<D:getcontentlength>6</D:getcontentlength>');
    await writeFile(join(ftp.root, top, 'folder', 'direct.txt'), 'direct, and longer');
    await refresh();
    expect(member((await expectCurrent()).allprop, 'direct.txt')).toContain('<D:getcontentlength>18</D:getcontentlength>');
  });
});
